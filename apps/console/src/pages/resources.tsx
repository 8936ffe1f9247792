import { useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import type { Page, PolicyView, ResourceView } from '../api/types.js';
import { useApi } from '../shell/session.js';
import { useLoad } from '../shell/use-load.js';
import { Badge } from '../ui/badge.js';
import { ErrorBanner } from '../ui/banner.js';
import { EmptyState } from '../ui/empty-state.js';
import { TextField } from '../ui/field.js';
import { Loading } from '../ui/loading.js';
import { PageHeader } from '../ui/page-header.js';

/** The address a resource answers at. */
export const addressOf = (r: ResourceView): string =>
  r.kind === 'http'
    ? `${r.host}${r.pathPrefix === '/' ? '' : r.pathPrefix}`
    : `${r.host === '' ? '*' : r.host}:${String(r.port)}`;

/** The searchable list of resources; the search is in the URL, so it survives a reload. */
export function ResourcesPage() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [typed, setTyped] = useState(q);
  useEffect(() => {
    const timer = setTimeout(() => {
      if (typed !== q) setParams(typed === '' ? {} : { q: typed }, { replace: true });
    }, 250);
    return () => clearTimeout(timer);
  }, [typed, q, setParams]);
  const base = `/api/v1/orgs/${orgId}`;
  const list = useLoad(
    (signal) =>
      api.get<Page<ResourceView>>(`${base}/resources?limit=200${q === '' ? '' : `&q=${encodeURIComponent(q)}`}`, {
        signal,
      }),
    [base, q],
  );
  const policies = useLoad((signal) => api.get<Page<PolicyView>>(`${base}/policies?limit=200`, { signal }), [base]);
  const policyName = new Map((policies.data?.items ?? []).map((p) => [p.id, p.name]));
  const items = list.data?.items ?? [];

  return (
    <>
      <PageHeader
        title="Resources"
        description="Services the gateway publishes, and who may reach them."
        actions={
          <Link className="btn btn-primary" to={`/orgs/${orgId}/resources/new`}>
            New resource
          </Link>
        }
      />
      <div className="toolbar" role="search">
        <TextField
          label="Search by name or host"
          type="search"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          placeholder="grafana"
        />
      </div>
      <ErrorBanner error={list.error} title="Could not load the resources" />
      {list.data === undefined && list.error === undefined ? (
        <Loading />
      ) : items.length === 0 && list.data !== undefined ? (
        q === '' ? (
          <EmptyState
            title="No resources yet"
            action={
              <Link className="btn btn-primary" to={`/orgs/${orgId}/resources/new`}>
                Publish your first service
              </Link>
            }
          >
            A resource is a web app, API or TCP service that the gateway publishes at a host name, with a policy saying
            who may use it.
          </EmptyState>
        ) : (
          <EmptyState title={`Nothing matches “${q}”`}>Try part of the name or host.</EmptyState>
        )
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Resources</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Address</th>
                <th scope="col">Targets</th>
                <th scope="col">Access</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id}>
                  <td data-label="Name">
                    <span>
                      <Link to={`/orgs/${orgId}/resources/${r.id}`}>{r.name}</Link>
                      <span className="muted"> {r.kind.toUpperCase()}</span>
                    </span>
                  </td>
                  <td data-label="Address" className="mono">
                    {addressOf(r)}
                  </td>
                  <td data-label="Targets" className="mono">
                    {r.kind === 'http'
                      ? r.targets.map((t) => t.url).join(', ')
                      : r.targets.map((t) => `${t.host}:${String(t.port)}`).join(', ')}
                  </td>
                  <td data-label="Access">
                    {r.options.public === true ? (
                      <Badge tone="warn">Public</Badge>
                    ) : r.policyId === null ? (
                      <Badge tone="neutral">Org members</Badge>
                    ) : (
                      <Badge tone="ok">{policyName.get(r.policyId) ?? 'Policy'}</Badge>
                    )}
                  </td>
                  <td data-label="State">
                    {r.enabled ? <Badge tone="ok">Enabled</Badge> : <Badge tone="neutral">Disabled</Badge>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
