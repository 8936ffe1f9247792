import type { AuditEventView } from '../api/types.js';

/** How the live monitor shows an audit event. */
export interface MonitorRow {
  readonly id: string;
  readonly at: string;
  readonly kind: 'allowed' | 'denied' | 'tunnel' | 'change';
  /** e.g. `GET grafana.example.com/dashboards 200`. */
  readonly title: string;
  /** e.g. `denied: no_matching_allow · 203.0.113.9`. */
  readonly detail: string;
}

const str = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

/** An audit event as a monitor line: gateway requests, denials, tunnel events, and every other change. */
export function monitorRowOf(event: AuditEventView): MonitorRow {
  const d = event.data;
  const ip = event.ip ?? '';
  const base = { id: event.id, at: event.at };
  if (event.action.startsWith('access.')) {
    const allowed = event.action === 'access.allowed';
    const request = [str(d.method), `${str(d.host)}${str(d.path)}`, str(d.status)].filter((s) => s !== '').join(' ');
    const reason = str(d.reason);
    return {
      ...base,
      kind: allowed ? 'allowed' : 'denied',
      title: request === '' ? event.action : request,
      detail: [allowed ? 'allowed' : event.action === 'access.blocked' ? 'blocked' : 'denied', reason, ip]
        .filter((s) => s !== '')
        .join(' · '),
    };
  }
  const tunnel = /^(tunnel|site|connector|peer|device|hub)\./.test(event.action);
  const target = event.target === null ? '' : `${event.target.type ?? ''} ${event.target.id ?? ''}`.trim();
  const name = str(d.name);
  return {
    ...base,
    kind: tunnel ? 'tunnel' : 'change',
    title: `${event.action}${name === '' ? '' : ` ${name}`}`,
    detail: [`by ${event.actor.type}`, target, ip].filter((s) => s !== '').join(' · '),
  };
}

/** Keeps the newest `max` rows, newest first. */
export function pushRow(rows: readonly MonitorRow[], row: MonitorRow, max = 200): MonitorRow[] {
  if (rows.some((r) => r.id === row.id)) return [...rows];
  return [row, ...rows].slice(0, max);
}
