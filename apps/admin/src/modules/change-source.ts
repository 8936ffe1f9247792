import type { FastifyRequest } from 'fastify';
import type { AuditActor } from '../audit/record-audit.js';
import { auditActor } from '../plugins/authorize.js';

/** Who asks, from where: for the audit event of a change. */
export interface ChangeSource {
  readonly actor: AuditActor;
  readonly ip: string;
}

/** Who sends an org-scoped request (after `orgRoute()`), from where: the source of the change it makes. */
export function sourceOf(request: FastifyRequest): ChangeSource {
  return { actor: auditActor(request), ip: request.ip };
}
