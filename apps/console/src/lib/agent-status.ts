import type { GatewayView } from '../api/types.js';
import { lastSeen } from './format.js';

/** Badge tone and words of an agent's (or a site's) state. */
export const STATE_TONE = { online: 'ok', offline: 'bad', pending: 'neutral' } as const;
export const STATE_LABEL = { online: 'Online', offline: 'Offline', pending: 'Pending' } as const;

/** A gateway or hub heartbeats every few seconds; after this long without one it counts as offline. */
const AGENT_OFFLINE_MS = 90_000;

/** A gateway or tunnel hub as a status row: pending until enrolled, then online while it heartbeats. */
export function agentRow(g: GatewayView, now: Date) {
  return {
    id: g.id,
    name: g.name,
    state: !g.enrolled
      ? ('pending' as const)
      : g.lastSeenAt !== null && now.getTime() - Date.parse(g.lastSeenAt) < AGENT_OFFLINE_MS
        ? ('online' as const)
        : ('offline' as const),
    detail: g.enrolled
      ? `${lastSeen(g.lastSeenAt, now)}${g.configVersion === null ? '' : ` · config v${String(g.configVersion)}`}`
      : 'waiting for enrolment',
  };
}
