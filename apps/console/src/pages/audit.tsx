import { useState, type FormEvent } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { fieldErrorsOf } from '../api/problem.js';
import type { AuditEventView, Page } from '../api/types.js';
import { auditQuery, filtersFrom, type AuditFilters } from '../lib/audit-query.js';
import { formatTime } from '../lib/format.js';
import { useApi } from '../shell/session.js';
import { useLoad } from '../shell/use-load.js';
import { ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { TextField } from '../ui/field.js';
import { EmptyState } from '../ui/empty-state.js';
import { Loading } from '../ui/loading.js';
import { PageHeader } from '../ui/page-header.js';

/** The audit log: filters (in the URL), pages of 50 newest first, and an NDJSON export of what the filters match. */
export function AuditPage() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const applied = filtersFrom(params);
  const [draft, setDraft] = useState<AuditFilters>(applied);
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const base = `/api/v1/orgs/${orgId}/audit`;
  const query = auditQuery(applied, { limit: '50', ...(cursor === undefined ? {} : { cursor }) });
  const page = useLoad((signal) => api.get<Page<AuditEventView>>(`${base}${query}`, { signal }), [base, query]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setCursors([]);
    const next = new URLSearchParams();
    for (const [name, value] of Object.entries(draft) as [string, string][]) if (value !== '') next.set(name, value);
    setParams(next);
  };
  const set = (key: keyof AuditFilters, value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const fields = fieldErrorsOf(page.error, {
    'querystring.action': 'action',
    'querystring.from': 'from',
    'querystring.to': 'to',
  });
  const fieldOf = (name: string) => fields[`querystring.${name}`] ?? fields[name];

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change and sign-in, hash-chained so tampering shows."
        actions={
          <a className="btn btn-secondary" href={`${base}/export${auditQuery(applied)}`} download>
            Export NDJSON
          </a>
        }
      />
      <form className="card form filters" onSubmit={apply} aria-label="Filters">
        <div className="form-grid">
          <TextField
            label="Action"
            value={draft.action}
            onChange={(e) => set('action', e.target.value)}
            placeholder="resource.* or auth.login"
            error={fieldOf('action')}
          />
          <TextField
            label="Actor id"
            value={draft.actorId}
            onChange={(e) => set('actorId', e.target.value)}
            error={fieldOf('actorId')}
          />
          <TextField
            label="Target id"
            value={draft.targetId}
            onChange={(e) => set('targetId', e.target.value)}
            error={fieldOf('targetId')}
          />
          <TextField
            label="From"
            type="datetime-local"
            value={draft.from}
            onChange={(e) => set('from', e.target.value)}
            error={fieldOf('from')}
          />
          <TextField
            label="To"
            type="datetime-local"
            value={draft.to}
            onChange={(e) => set('to', e.target.value)}
            error={fieldOf('to')}
          />
        </div>
        <div className="form-actions">
          <Button type="submit" variant="primary">
            Apply filters
          </Button>
          <Button
            variant="ghost"
            onClick={() => {
              setDraft({ action: '', actorId: '', targetId: '', from: '', to: '' });
              setCursors([]);
              setParams({});
            }}
          >
            Clear
          </Button>
        </div>
      </form>
      {page.error !== undefined && Object.keys(fields).length === 0 ? (
        <ErrorBanner error={page.error} title="Could not load the audit log" />
      ) : null}
      {page.data === undefined && page.error === undefined ? <Loading /> : null}
      {page.data !== undefined && page.data.items.length === 0 ? (
        <EmptyState title="No events match">Widen the filters or clear them.</EmptyState>
      ) : null}
      {page.data === undefined || page.data.items.length === 0 ? null : (
        <>
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">Audit events</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Target</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {page.data.items.map((e) => (
                  <tr key={e.id}>
                    <td data-label="When">{formatTime(e.at)}</td>
                    <td data-label="Action" className="mono">
                      {e.action}
                    </td>
                    <td data-label="Actor">
                      <span>
                        {e.actor.type}
                        {e.actor.id === null ? '' : <span className="muted mono"> {e.actor.id.slice(0, 8)}</span>}
                      </span>
                    </td>
                    <td data-label="Target">
                      {e.target === null ? '—' : `${e.target.type ?? ''} ${(e.target.id ?? '').slice(0, 8)}`}
                    </td>
                    <td data-label="Details" className="mono details">
                      {Object.keys(e.data).length === 0 ? '' : JSON.stringify(e.data)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages">
            <Button disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Newer
            </Button>
            <span className="muted">Page {cursors.length + 1}</span>
            <Button
              disabled={page.data.nextCursor === null}
              onClick={() => {
                const next = page.data?.nextCursor;
                if (next !== null && next !== undefined) setCursors((c) => [...c, next]);
              }}
            >
              Older
            </Button>
          </nav>
        </>
      )}
    </>
  );
}
