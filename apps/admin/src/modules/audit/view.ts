import type { AuditEventView } from '@rustronaut/contracts';
import type { auditEvents } from '@rustronaut/db';
import { iso } from '../../http/views.js';

/** An audit event row as the API and the export show it. */
export function auditEventViewOf(row: typeof auditEvents.$inferSelect): AuditEventView {
  return {
    id: row.id,
    orgId: row.orgId,
    seq: row.seq,
    at: iso(row.at),
    actor: { type: row.actorType, id: row.actorId },
    action: row.action,
    target: row.targetType === null && row.targetId === null ? null : { type: row.targetType, id: row.targetId },
    ip: row.ip,
    data: row.data,
    hash: row.hash,
    prevHash: row.prevHash,
  };
}
