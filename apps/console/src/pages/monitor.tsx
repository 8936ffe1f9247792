import { useEffect, useRef, useState } from 'react';
import { useParams } from 'react-router';
import type { AuditEventView } from '../api/types.js';
import { monitorRowOf, pushRow, type MonitorRow } from '../lib/monitor-event.js';
import { useApi } from '../shell/session.js';
import { Badge } from '../ui/badge.js';
import { Banner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { EmptyState } from '../ui/empty-state.js';
import { PageHeader } from '../ui/page-header.js';

const KIND_TONE = { allowed: 'ok', denied: 'bad', tunnel: 'warn', change: 'neutral' } as const;
const KIND_LABEL = { allowed: 'Allowed', denied: 'Denied', tunnel: 'Tunnel', change: 'Change' } as const;

type Connection = 'connecting' | 'live' | 'reconnecting' | 'failed';

/** Requests, denials, tunnel events and changes as they happen (server-sent events of the org's audit log). */
export function MonitorPage() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const [rows, setRows] = useState<MonitorRow[]>([]);
  const [state, setState] = useState<Connection>('connecting');
  const [paused, setPaused] = useState(false);
  const [filter, setFilter] = useState<'all' | 'requests' | 'denied'>('all');
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    let source: EventSource | undefined;
    let closed = false;
    let failures = 0;
    const connect = () => {
      source = new EventSource(`/api/v1/orgs/${orgId}/monitor/stream`);
      source.onopen = () => {
        failures = 0;
        setState('live');
      };
      source.addEventListener('audit', (message) => {
        if (pausedRef.current) return;
        const event = JSON.parse((message as MessageEvent<string>).data) as AuditEventView;
        setRows((current) => pushRow(current, monitorRowOf(event)));
      });
      source.onerror = () => {
        if (closed || source === undefined) return;
        // EventSource retries by itself after a dropped stream; a refused one (401, 403) closes it: refresh the
        // session (the API client sends the user to the login page when that fails), then open it again.
        if (source.readyState === EventSource.CLOSED) {
          failures++;
          setState(failures > 3 ? 'failed' : 'reconnecting');
          if (failures > 3) return;
          api.get('/api/v1/me').then(
            () => {
              if (!closed) setTimeout(connect, 1000 * failures);
            },
            () => setState('failed'),
          );
        } else {
          setState('reconnecting');
        }
      };
    };
    connect();
    return () => {
      closed = true;
      source?.close();
    };
  }, [orgId, api]);

  const shown = rows.filter(
    (r) =>
      filter === 'all' || (filter === 'denied' ? r.kind === 'denied' : r.kind === 'allowed' || r.kind === 'denied'),
  );
  return (
    <>
      <PageHeader
        title="Live monitor"
        description="Requests through the gateway, denials, tunnel events and changes, as they happen."
        actions={
          <Button onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
            {paused ? 'Resume' : 'Pause'}
          </Button>
        }
      />
      <div className="monitor-bar">
        <p className="monitor-state" role="status">
          <span className={`dot dot-${state}`} aria-hidden="true" />
          {state === 'live'
            ? paused
              ? 'Connected, paused'
              : 'Live'
            : state === 'failed'
              ? 'Disconnected'
              : state === 'connecting'
                ? 'Connecting…'
                : 'Reconnecting…'}
        </p>
        <div className="segmented" role="group" aria-label="Show">
          {(['all', 'requests', 'denied'] as const).map((f) => (
            <Button
              key={f}
              variant={filter === f ? 'primary' : 'ghost'}
              aria-pressed={filter === f}
              onClick={() => setFilter(f)}
            >
              {f === 'all' ? 'Everything' : f === 'requests' ? 'Requests' : 'Denied'}
            </Button>
          ))}
        </div>
      </div>
      {state === 'failed' ? (
        <Banner tone="error" title="The live stream stopped">
          Reload the page to connect again; you may need the audit:read permission.
        </Banner>
      ) : null}
      {shown.length === 0 ? (
        <EmptyState title="Waiting for activity">
          Requests through the gateway and changes in this organisation appear here within a second.
        </EmptyState>
      ) : (
        <ol className="feed" aria-label="Events, newest first" aria-live="polite">
          {shown.map((r) => (
            <li key={r.id} className={`feed-item feed-${r.kind}`}>
              <Badge tone={KIND_TONE[r.kind]}>{KIND_LABEL[r.kind]}</Badge>
              <span className="feed-title mono">{r.title}</span>
              <span className="feed-detail">{r.detail}</span>
              <time className="feed-time" dateTime={r.at}>
                {new Date(r.at).toLocaleTimeString()}
              </time>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
