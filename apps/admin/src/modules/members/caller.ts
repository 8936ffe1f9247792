import type { Permission } from '@rustronaut/policy';
import type { FastifyRequest } from 'fastify';
import type { AuditActor } from '../../audit/record-audit.js';
import { auditActor, requireOrg } from '../../plugins/authorize.js';

/**
 * Who changes access in an organisation and what they hold there: the escalation checks compare against `held`,
 * the audit event names `actor` and `ip`.
 */
export interface Caller {
  readonly orgId: string;
  /** The caller's permissions in the org (for an API key: its own, cut to what its creator still holds). */
  readonly held: ReadonlySet<Permission>;
  readonly actor: AuditActor;
  readonly ip: string;
}

/** The caller of an org-scoped route (after `orgRoute()`). */
export function callerOf(request: FastifyRequest): Caller {
  const org = requireOrg(request);
  return { orgId: org.id, held: org.permissions, actor: auditActor(request), ip: request.ip };
}
