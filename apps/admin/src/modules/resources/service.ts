import {
  createResourceRequest,
  type CreateResourceRequest,
  type ResourceView,
  type UpdateResourceRequest,
} from '@rustronaut/contracts';
import { newId, resources, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, asc, eq, gt, ilike, or, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import { iso } from '../../http/views.js';
import { checkLinks } from './check-links.js';
import type { ChangeSource } from '../change-source.js';
import { changeConfig } from '../config-change.js';
import { ofOrg, oneOfOrg } from '../org-rows.js';

type ResourceRow = typeof resources.$inferSelect;
type HttpView = Extract<ResourceView, { kind: 'http' }>;
type TcpView = Extract<ResourceView, { kind: 'tcp' }>;

/** Filters of the resource list. */
export interface ResourceQuery {
  readonly after: string | undefined;
  readonly limit: number;
  readonly q?: string | undefined;
  readonly kind?: 'http' | 'tcp' | undefined;
  readonly siteId?: string | undefined;
  readonly policyId?: string | undefined;
}

/** A resource row as the API shows it. */
export function resourceViewOf(row: ResourceRow): ResourceView {
  const common = {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    host: row.host,
    policyId: row.policyId,
    siteId: row.siteId,
    enabled: row.enabled,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
  return row.kind === 'tcp'
    ? {
        ...common,
        kind: 'tcp',
        port: row.port,
        targets: row.targets as TcpView['targets'],
        options: row.options,
      }
    : {
        ...common,
        kind: 'http',
        pathPrefix: row.pathPrefix,
        targets: row.targets as HttpView['targets'],
        options: row.options,
      };
}

/** `text` as a LIKE pattern that matches it literally anywhere (`\`, `%` and `_` escaped; `\` is LIKE's escape). */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A page of an org's resources in id order, after `after`; `limit + 1` rows, for `pageOf`. */
export function listResources(ctx: AdminContext, orgId: string, query: ResourceQuery): Promise<ResourceRow[]> {
  const conditions: Array<SQL | undefined> = [eq(resources.orgId, orgId)];
  if (query.after !== undefined) conditions.push(gt(resources.id, query.after));
  if (query.kind !== undefined) conditions.push(eq(resources.kind, query.kind));
  if (query.siteId !== undefined) conditions.push(eq(resources.siteId, query.siteId));
  if (query.policyId !== undefined) conditions.push(eq(resources.policyId, query.policyId));
  if (query.q !== undefined && query.q !== '') {
    const pattern = containsPattern(query.q);
    conditions.push(or(ilike(resources.name, pattern), ilike(resources.host, pattern)));
  }
  return ctx.db
    .select()
    .from(resources)
    .where(and(...conditions))
    .orderBy(asc(resources.id))
    .limit(query.limit + 1);
}

const notFound = () => errors.notFound.create('no such resource');

/** One resource of the org; 404 when it does not exist or belongs to another org. */
export function getResource(db: DrizzleDatabase, orgId: string, resourceId: string): Promise<ResourceRow> {
  return oneOfOrg(db, resources, orgId, resourceId, notFound);
}

/** The columns of a validated resource. */
function columnsOf(input: CreateResourceRequest) {
  return {
    name: input.name,
    kind: input.kind,
    host: input.host,
    pathPrefix: input.kind === 'http' ? input.pathPrefix : '/',
    port: input.kind === 'tcp' ? input.port : 0,
    targets: input.targets,
    options: input.options,
    policyId: input.policyId ?? null,
    siteId: input.siteId ?? null,
    enabled: input.enabled ?? true,
  };
}

/** What the audit log keeps of a resource: everything (resources hold no secrets). */
const auditData = (columns: ReturnType<typeof columnsOf>): Record<string, unknown> => ({ ...columns });

/** Creates a resource; 409 when its name is taken in the org or its address by any resource of any org. */
export async function createResource(
  ctx: AdminContext,
  orgId: string,
  input: CreateResourceRequest,
  source: ChangeSource,
): Promise<ResourceRow> {
  return changeConfig(ctx, orgId, async (tx) => {
    await checkLinks(tx, orgId, input);
    const columns = columnsOf(input);
    const id = newId();
    const [row] = await tx
      .insert(resources)
      .values({ id, orgId, ...columns })
      .returning();
    if (row === undefined) throw new Error('insert returned no row');
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'resource.create',
      targetType: 'resource',
      targetId: id,
      ip: source.ip,
      data: auditData(columns),
    });
    return row;
  });
}

/** A stored resource as the create request that would make it. */
function inputOf(row: ResourceRow): Record<string, unknown> {
  const common = {
    name: row.name,
    kind: row.kind,
    host: row.host,
    targets: row.targets,
    options: row.options,
    policyId: row.policyId,
    siteId: row.siteId,
    enabled: row.enabled,
  };
  return row.kind === 'tcp' ? { ...common, port: row.port } : { ...common, pathPrefix: row.pathPrefix };
}

/** Field errors of the merged resource, named as fields of the request body. */
function fieldErrors(error: z.ZodError, kind: string): Array<{ field: string; message: string }> {
  return error.issues.flatMap((issue) => {
    const field = ['body', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: `${field}.${key}`, message: `is not a field of a ${kind} resource` }));
    }
    return [{ field, message: issue.message }];
  });
}

/**
 * Applies `patch` to a resource. The result is validated as a whole against the resource's kind (which never
 * changes), so `port` on an HTTP resource or HTTP targets on a TCP one are refused with the field named.
 */
export async function updateResource(
  ctx: AdminContext,
  orgId: string,
  resourceId: string,
  patch: UpdateResourceRequest,
  source: ChangeSource,
): Promise<ResourceRow> {
  return changeConfig(ctx, orgId, async (tx) => {
    const [current] = await tx
      .select()
      .from(resources)
      .where(ofOrg(resources, orgId, resourceId))
      .for('update');
    if (current === undefined) throw notFound();
    const given = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    const merged = createResourceRequest.safeParse({ ...inputOf(current), ...given });
    if (!merged.success) {
      const fields = fieldErrors(merged.error, current.kind);
      throw errors.validation.create(
        `the changed resource is not valid: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
        { details: { errors: fields } },
      );
    }
    await checkLinks(tx, orgId, patch);
    const columns = columnsOf(merged.data);
    const [row] = await tx
      .update(resources)
      .set({ ...columns, updatedAt: ctx.now() })
      .where(eq(resources.id, resourceId))
      .returning();
    if (row === undefined) throw notFound();
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'resource.update',
      targetType: 'resource',
      targetId: resourceId,
      ip: source.ip,
      data: given,
    });
    return row;
  });
}

/** Deletes a resource; gateways drop its route with the next snapshot. */
export async function deleteResource(
  ctx: AdminContext,
  orgId: string,
  resourceId: string,
  source: ChangeSource,
): Promise<void> {
  await changeConfig(ctx, orgId, async (tx) => {
    const [row] = await tx
      .delete(resources)
      .where(ofOrg(resources, orgId, resourceId))
      .returning({ name: resources.name });
    if (row === undefined) throw notFound();
    await recordAudit(tx, {
      orgId,
      actor: source.actor,
      action: 'resource.delete',
      targetType: 'resource',
      targetId: resourceId,
      ip: source.ip,
      data: { name: row.name },
    });
  });
}
