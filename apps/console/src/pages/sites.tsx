import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { fieldErrorsOf } from '../api/problem.js';
import type { Page, SiteView } from '../api/types.js';
import { connectorCommand, offlineReasonText } from '../lib/connector-command.js';
import { timeAgo } from '../lib/format.js';
import { useApi } from '../shell/session.js';
import { useLoad } from '../shell/use-load.js';
import { Badge } from '../ui/badge.js';
import { Banner, ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { TextField } from '../ui/field.js';
import { EmptyState } from '../ui/empty-state.js';
import { Loading } from '../ui/loading.js';
import { PageHeader } from '../ui/page-header.js';
import { SecretBox } from '../ui/secret-box.js';

/** Fields of a site the tunnel work adds; optional, so the page works with admins that have them or not. */
type SiteWithTunnel = SiteView & { readonly offlineReason?: string | null; readonly enrolToken?: string };

/** Sites: create one and get the connector command with its one-time token; status and why a site is offline. */
export function SitesPage() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const base = `/api/v1/orgs/${orgId}`;
  const list = useLoad(
    (signal) => api.get<Page<SiteWithTunnel>>(`${base}/sites?limit=200`, { signal }),
    [base],
    10_000,
  );
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [created, setCreated] = useState<SiteWithTunnel | undefined>(undefined);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const site = await api.request<SiteWithTunnel>('POST', `${base}/sites`, { name, description });
      setCreated(site);
      setName('');
      setDescription('');
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fields = fieldErrorsOf(error);
  const items = list.data?.items ?? [];

  return (
    <>
      <PageHeader
        title="Sites"
        description="Networks whose private services a connector reaches, through a WireGuard tunnel it opens outbound."
      />
      <section className="card form" aria-labelledby="new-site">
        <h2 id="new-site">Add a site</h2>
        <form onSubmit={(e) => void create(e)} noValidate>
          {error !== undefined && Object.keys(fields).length === 0 ? (
            <ErrorBanner error={error} title="Site not created" />
          ) : null}
          <div className="form-grid">
            <TextField
              label="Site name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              error={fields.name}
              placeholder="home-lab"
              required
            />
            <TextField
              label="Description"
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              error={fields.description}
            />
          </div>
          <Button type="submit" variant="primary" busy={busy}>
            Create site
          </Button>
        </form>
      </section>
      {created === undefined ? null : (
        <section className="card" aria-labelledby="connector">
          <h2 id="connector">Connect “{created.name}”</h2>
          {created.enrolToken === undefined ? (
            <Banner tone="warning" title="Connector enrolment is not available in this version">
              The site is created; its connector command appears here once the admin issues site tokens.
            </Banner>
          ) : (
            <>
              <p>Run this once on a machine at the site. The token works once and is shown only now.</p>
              <SecretBox
                label="Connector command"
                value={connectorCommand(window.location.origin, created.enrolToken)}
              />
            </>
          )}
        </section>
      )}
      <section className="section" aria-labelledby="site-list">
        <h2 id="site-list">All sites</h2>
        <ErrorBanner error={list.error} title="Could not load the sites" />
        {list.data === undefined && list.error === undefined ? <Loading /> : null}
        {list.data !== undefined && items.length === 0 ? (
          <EmptyState title="No sites yet">
            Add one above, then run the connector command on a machine in that network.
          </EmptyState>
        ) : (
          <ul className="status-list">
            {items.map((s) => (
              <li key={s.id}>
                <Badge tone={s.online ? 'ok' : 'bad'}>{s.online ? 'Online' : 'Offline'}</Badge>
                <span className="status-name">{s.name}</span>
                <span className="status-detail">
                  {s.online ? `seen ${timeAgo(s.lastSeenAt)}` : `offline: ${offlineReasonText(s.offlineReason)}`}
                  {s.tunnelAddress === null ? '' : ` · ${s.tunnelAddress}`}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
