import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { fieldErrorsOf } from '../api/problem.js';
import type { Page, SiteTokenView, SiteView } from '../api/types.js';
import { connectorCommand, offlineReasonText } from '../lib/enrol-command.js';
import { timeAgo } from '../lib/format.js';
import { useApi } from '../shell/session.js';
import { useLoad } from '../shell/use-load.js';
import { Badge } from '../ui/badge.js';
import { ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { TextField } from '../ui/field.js';
import { EmptyState } from '../ui/empty-state.js';
import { Loading } from '../ui/loading.js';
import { PageHeader } from '../ui/page-header.js';
import { SecretBox } from '../ui/secret-box.js';

/** Sites: create one and get the connector command with its one-time token; status and why a site is offline. */
export function SitesPage() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const base = `/api/v1/orgs/${orgId}`;
  const list = useLoad((signal) => api.get<Page<SiteView>>(`${base}/sites?limit=200`, { signal }), [base], 10_000);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [created, setCreated] = useState<SiteTokenView | undefined>(undefined);
  const [issuing, setIssuing] = useState<string | undefined>(undefined);
  const [listError, setListError] = useState<unknown>(undefined);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setCreated(await api.request<SiteTokenView>('POST', `${base}/sites`, { name, description }));
      setName('');
      setDescription('');
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  /** A new one-time token for a site whose connector has not enrolled (the old token stops working). */
  const newToken = async (site: SiteView) => {
    setIssuing(site.id);
    setListError(undefined);
    try {
      setCreated(await api.request<SiteTokenView>('POST', `${base}/sites/${site.id}/enrol-token`));
      list.reload();
    } catch (err) {
      setListError(err);
    } finally {
      setIssuing(undefined);
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
          <p>
            Run this once on a Linux machine at the site that can reach this admin. The token works once, for 24 hours,
            and is shown only now; it goes to the connector on its standard input, never on its command line.
          </p>
          <SecretBox label="Connector command" value={connectorCommand(window.location.origin, created.enrolToken)} />
        </section>
      )}
      <section className="section" aria-labelledby="site-list">
        <h2 id="site-list">All sites</h2>
        <ErrorBanner error={list.error} title="Could not load the sites" />
        <ErrorBanner error={listError} title="No new token" />
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
                {s.enrolled ? null : (
                  <span className="row-actions">
                    <Button
                      variant="ghost"
                      busy={issuing === s.id}
                      onClick={() => void newToken(s)}
                      aria-label={`New connector token for ${s.name}`}
                    >
                      New token
                    </Button>
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
