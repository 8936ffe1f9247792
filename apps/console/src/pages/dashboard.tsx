import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import type { GatewayView, MonitorSummary, Page, ResourceView, SiteView } from '../api/types.js';
import { agentRow, STATE_LABEL, STATE_TONE } from '../lib/agent-status.js';
import { formatPercent, formatRate, lastSeen } from '../lib/format.js';
import { useApi } from '../shell/session.js';
import { useLoad, type Loaded } from '../shell/use-load.js';
import { Badge } from '../ui/badge.js';
import { ErrorBanner } from '../ui/banner.js';
import { EmptyState } from '../ui/empty-state.js';
import { Loading } from '../ui/loading.js';
import { PageHeader } from '../ui/page-header.js';

const REFRESH_MS = 5000;
/** What is online, what traffic flows, what is refused; refreshed every 5 seconds. */
export function DashboardPage() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const base = `/api/v1/orgs/${orgId}`;
  const summary = useLoad(
    (signal) => api.get<MonitorSummary>(`${base}/monitor/summary?windowSeconds=300`, { signal }),
    [base],
    REFRESH_MS,
  );
  const gateways = useLoad(
    (signal) => api.get<Page<GatewayView>>(`${base}/gateways?limit=200`, { signal }),
    [base],
    REFRESH_MS,
  );
  const sites = useLoad((signal) => api.get<Page<SiteView>>(`${base}/sites?limit=200`, { signal }), [base], REFRESH_MS);
  const resources = useLoad((signal) => api.get<Page<ResourceView>>(`${base}/resources?limit=200`, { signal }), [base]);
  const names = new Map((resources.data?.items ?? []).map((r) => [r.id, r.name]));
  const now = new Date();
  // Tunnel hubs are gateways of kind `hub`: one list, two cards.
  const agents = gateways.data?.items ?? [];

  return (
    <>
      <PageHeader
        title="Dashboard"
        description="Last 5 minutes of gateway traffic, and what is online. Refreshes every 5 seconds."
      />
      <section aria-labelledby="traffic" className="section">
        <h2 id="traffic">Traffic</h2>
        <ErrorBanner error={summary.error} title="Traffic figures are unavailable" />
        <div className="stats">
          <Stat
            label="Requests per second"
            value={summary.data === undefined ? '…' : formatRate(summary.data.requestsPerSecond)}
          />
          <Stat
            label="Error rate (5xx)"
            value={summary.data === undefined ? '…' : formatPercent(summary.data.errorRate)}
          />
          <Stat
            label="Denied requests"
            value={summary.data === undefined ? '…' : String(summary.data.denied)}
            tone={summary.data !== undefined && summary.data.denied > 0 ? 'warn' : undefined}
          />
          <Stat label="Resources" value={resources.data === undefined ? '…' : countOf(resources.data)} />
        </div>
        <h3>Top resources</h3>
        {summary.data === undefined ? null : summary.data.topResources.length === 0 ? (
          <EmptyState title="No requests in the last 5 minutes">
            Requests through the gateway show up here and in the <Link to={`/orgs/${orgId}/monitor`}>live monitor</Link>
            .
          </EmptyState>
        ) : (
          <ol className="top-list">
            {summary.data.topResources.map((r) => (
              <li key={`${r.resource}-${r.host}`}>
                <span className="top-name">{names.get(r.resource) ?? (r.host || 'no matching resource')}</span>
                <meter
                  min={0}
                  max={summary.data?.requests ?? 1}
                  value={r.requests}
                  aria-label={`${String(r.requests)} requests`}
                />
                <span className="top-count">
                  {r.requests} requests{r.denied > 0 ? `, ${String(r.denied)} denied` : ''}
                </span>
              </li>
            ))}
          </ol>
        )}
      </section>
      <div className="grid-2">
        <section aria-labelledby="gateways" className="section">
          <h2 id="gateways">Gateways</h2>
          <StatusList
            loaded={gateways}
            empty={
              <>
                No gateway yet. <code>rustronaut start</code> runs one; add others on the{' '}
                <Link to={`/orgs/${orgId}/gateways`}>Gateways</Link> page.
              </>
            }
            rows={agents.filter((g) => g.kind === 'gateway').map((g) => agentRow(g, now))}
          />
        </section>
        <section aria-labelledby="sites" className="section">
          <h2 id="sites">Sites</h2>
          <StatusList
            loaded={sites}
            empty="No site yet. Add one to reach services on another network through a connector."
            rows={(sites.data?.items ?? []).map((s) => ({
              id: s.id,
              name: s.name,
              state: s.online ? 'online' : 'offline',
              detail: lastSeen(s.lastSeenAt, now),
            }))}
          />
        </section>
        <section aria-labelledby="hubs" className="section">
          <h2 id="hubs">Tunnel hubs</h2>
          <StatusList
            loaded={gateways}
            empty={
              <>
                No tunnel hub yet: sites and client devices need one. Add it on the{' '}
                <Link to={`/orgs/${orgId}/gateways`}>Gateways</Link> page.
              </>
            }
            rows={agents.filter((g) => g.kind === 'hub').map((g) => agentRow(g, now))}
          />
        </section>
      </div>
    </>
  );
}

const countOf = (page: Page<unknown>): string => `${String(page.items.length)}${page.nextCursor === null ? '' : '+'}`;

function Stat({ label, value, tone }: { label: string; value: string; tone?: 'warn' | undefined }) {
  return (
    <div className={`stat${tone === undefined ? '' : ` stat-${tone}`}`}>
      <p className="stat-label">{label}</p>
      <p className="stat-value">{value}</p>
    </div>
  );
}

function StatusList({
  loaded,
  rows,
  empty,
}: {
  loaded: Loaded<unknown>;
  rows: { id: string; name: string; state: 'online' | 'offline' | 'pending'; detail: string }[];
  empty: ReactNode;
}) {
  if (loaded.error !== undefined) return <ErrorBanner error={loaded.error} title="Could not load this list" />;
  if (loaded.data === undefined) return <Loading />;
  if (rows.length === 0) return <EmptyState title="Nothing here yet">{empty}</EmptyState>;
  return (
    <ul className="status-list">
      {rows.map((row) => (
        <li key={row.id}>
          <Badge tone={STATE_TONE[row.state]}>{STATE_LABEL[row.state]}</Badge>
          <span className="status-name">{row.name}</span>
          <span className="status-detail">{row.detail}</span>
        </li>
      ))}
    </ul>
  );
}
