import { createHash } from 'node:crypto';

/** `prev_hash` of the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit event that its hash covers (all of them but the hash itself). */
export interface HashedAuditEvent {
  readonly id: string;
  readonly chain: string;
  readonly seq: number;
  readonly orgId: string | null;
  readonly at: Date;
  readonly actorType: string;
  readonly actorId: string | null;
  readonly action: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly ip: string | null;
  readonly data: Record<string, unknown>;
  readonly prevHash: string;
}

/** JSON with object keys sorted at every level, so the same value always hashes the same (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 (hex) over the canonical form of the event, `prev_hash` included: the link of the chain. */
export function hashAuditEvent(event: HashedAuditEvent): string {
  const canonical = canonicalJson([
    event.id,
    event.chain,
    event.seq,
    event.orgId,
    event.at.toISOString(),
    event.actorType,
    event.actorId,
    event.action,
    event.targetType,
    event.targetId,
    event.ip,
    event.data,
    event.prevHash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
