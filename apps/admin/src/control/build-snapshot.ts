import {
  gatewayFileSchema,
  httpRouteSchema,
  tcpResourceTargetsSchema,
  type ConfigSnapshot,
  type GatewayFileConfig,
  type HttpRouteConfig,
} from '@rustronaut/contracts';
import { configVersions, resources } from '@rustronaut/db';
import { and, asc, eq } from 'drizzle-orm';
import type { z } from 'zod';
import { snapshotAccessOf } from '../access/snapshot-access.js';
import { snapshotTls } from '../certificates/snapshot-tls.js';
import type { AdminContext } from '../context.js';
import { loadSiteRoutes, routeThroughSites } from './site-upstreams.js';

/** The resource columns a snapshot is made of. */
export type SnapshotResource = Pick<
  typeof resources.$inferSelect,
  'id' | 'name' | 'kind' | 'host' | 'pathPrefix' | 'port' | 'targets' | 'options' | 'policyId'
>;

/** A resource left out of a snapshot, and why. */
export interface SkippedResource {
  readonly id: string;
  readonly name: string;
  readonly reason: string;
}

/** Keys of a resource's `options` that are route settings of the gateway; others are not the gateway's. */
const ROUTE_OPTIONS = [
  'loadBalancing',
  'healthCheck',
  'passiveHealth',
  'rateLimit',
  'timeouts',
  'securityHeaders',
  'cors',
  'allowEncodedSlash',
  'preserveHost',
] as const;

/** What building a snapshot needs besides the org. */
export interface SnapshotOptions {
  /** Base URL of the admin as browsers reach it: gateways send them to its login page. */
  readonly adminUrl: string;
  /** Told about each resource left out. */
  readonly onSkip?: (skipped: SkippedResource) => void;
}

/**
 * Reads an org's config version, then its enabled resources and access material, and compiles them into a
 * snapshot. The version is read first: a change committed in between makes the content newer than its version,
 * never older, and the change's own version announcement makes the agent fetch again. The TLS part (certificates
 * and ACME challenges) comes from `certificates/snapshot-tls.ts`.
 */
export async function buildSnapshot(
  ctx: AdminContext,
  orgId: string,
  options: SnapshotOptions,
): Promise<ConfigSnapshot> {
  const [row] = await ctx.db
    .select({ version: configVersions.version })
    .from(configVersions)
    .where(eq(configVersions.orgId, orgId));
  const rows = await ctx.db
    .select()
    .from(resources)
    .where(and(eq(resources.orgId, orgId), eq(resources.enabled, true)))
    .orderBy(asc(resources.id));
  const routed = routeThroughSites(rows, await loadSiteRoutes(ctx.db, orgId), options.onSkip ?? (() => {}));
  return {
    orgId,
    version: row?.version ?? 0,
    config: snapshotConfig(routed, options.onSkip),
    access: await snapshotAccessOf(ctx, orgId, options.adminUrl),
    tls: await snapshotTls(ctx, orgId),
  };
}

/**
 * Maps resources to the gateway file shape: an HTTP resource becomes a route named by its id, its `targets`
 * (`[{ url, weight? }]`) the upstreams and its `options` the route settings; TCP resources become one listener
 * per port (`[{ host, port, weight? }]` targets), routed by SNI when the resource has a host. A resource that
 * does not compile is left out and reported, so one bad row never blocks an org's other routes.
 *
 * An HTTP resource that is public and has no policy is `access: public`; any other gets `managed` access: the
 * gateway signs users in with the org's sessions, tokens and API keys and decides with the resource's policy
 * (without one, any member of the org). A TCP resource cannot carry a browser session: only public ones without
 * a policy are published, the others are left out rather than published open.
 */
export function snapshotConfig(
  rows: readonly SnapshotResource[],
  onSkip: (skipped: SkippedResource) => void = () => {},
): GatewayFileConfig {
  const routes: HttpRouteConfig[] = [];
  const ports = new Map<number, { plain?: Upstreams; sni: Array<{ host: string; upstreams: Upstreams }> }>();
  for (const r of rows) {
    const skip = (reason: string) => onSkip({ id: r.id, name: r.name, reason });
    const isPublic = r.options['public'] === true;
    const clientCertificate = r.options['clientCertificate'] as 'optional' | 'required' | undefined;
    const open = isPublic && r.policyId === null && clientCertificate === undefined;
    if (r.kind === 'http') {
      const options = r.options;
      const route = httpRouteSchema.safeParse({
        ...Object.fromEntries(ROUTE_OPTIONS.filter((k) => k in options).map((k) => [k, options[k]])),
        name: r.id,
        match: { host: r.host, pathPrefix: r.pathPrefix },
        upstreams: r.targets,
        access: open ? 'public' : { managed: { policy: r.policyId, public: isPublic, clientCertificate } },
      });
      if (route.success) routes.push(route.data);
      else skip(describe(route.error));
    } else if (r.kind === 'tcp') {
      if (!open) {
        skip('a TCP resource cannot sign users in: only public ones without a policy are published');
        continue;
      }
      const targets = tcpResourceTargetsSchema.safeParse(r.targets);
      if (!targets.success) {
        skip(describe(targets.error, 'targets'));
        continue;
      }
      if (!Number.isInteger(r.port) || r.port < 1 || r.port > 65_535) {
        skip(`port ${String(r.port)} is not a TCP port`);
        continue;
      }
      const upstreams = targets.data.map((t) => ({
        address: `${t.host.includes(':') ? `[${t.host}]` : t.host}:${String(t.port)}`,
        weight: t.weight,
      }));
      const listener = ports.get(r.port) ?? { sni: [] };
      if (r.host === '') listener.plain = upstreams;
      else listener.sni.push({ host: r.host, upstreams });
      ports.set(r.port, listener);
    } else {
      skip(`kind "${r.kind}" is unknown`);
    }
  }
  const tcp = [...ports].map(([port, l]) => ({
    name: `tcp-${String(port)}`,
    listen: `:${String(port)}`,
    ...(l.plain ? { upstreams: l.plain } : {}),
    ...(l.sni.length > 0 ? { sni: l.sni } : {}),
  }));
  return gatewayFileSchema.parse({ routes, tcp });
}

type Upstreams = Array<{ address: string; weight: number }>;

function describe(error: z.ZodError, prefix?: string): string {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  return `${path === '' ? '' : `${path}: `}${issue?.message ?? 'invalid'}`;
}
