import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import type { GatewayTokenResponse, GatewayView, Page } from '../api/types.js';
import { agentRow, STATE_LABEL, STATE_TONE } from '../lib/agent-status.js';
import { agentCommand } from '../lib/enrol-command.js';
import { formatTime } from '../lib/format.js';
import { useApi } from '../shell/session.js';
import { useAction } from '../shell/use-action.js';
import { useLoad } from '../shell/use-load.js';
import { Badge } from '../ui/badge.js';
import { ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { SelectField, TextField } from '../ui/field.js';
import { EmptyState } from '../ui/empty-state.js';
import { Loading } from '../ui/loading.js';
import { PageHeader } from '../ui/page-header.js';
import { SecretBox } from '../ui/secret-box.js';

const KIND_LABEL = { gateway: 'Gateway', hub: 'Tunnel hub' } as const;

/** Gateways and tunnel hubs: add one and get its one-time enrolment token; status; a new token; delete. */
export function GatewaysPage() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const base = `/api/v1/orgs/${orgId}`;
  const list = useLoad(
    (signal) => api.get<Page<GatewayView>>(`${base}/gateways?limit=200`, { signal }),
    [base],
    10_000,
  );
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'gateway' | 'hub'>('gateway');
  const adding = useAction();
  const rows = useAction();
  const [issued, setIssued] = useState<GatewayTokenResponse | undefined>(undefined);

  const create = (event: FormEvent) => {
    event.preventDefault();
    void adding.run(async () => {
      setIssued(await api.request<GatewayTokenResponse>('POST', `${base}/gateways`, { name, kind }));
      setName('');
      list.reload();
    });
  };
  const act = (g: GatewayView, action: 'token' | 'delete') =>
    void rows.run(async () => {
      if (action === 'token') {
        setIssued(await api.request<GatewayTokenResponse>('POST', `${base}/gateways/${g.id}/enrol-token`));
      } else {
        await api.request('DELETE', `${base}/gateways/${g.id}`);
        if (issued?.gateway.id === g.id) setIssued(undefined);
      }
      list.reload();
    }, g.id);
  const { fields, error } = adding;
  const now = new Date();
  const items = list.data?.items ?? [];

  return (
    <>
      <PageHeader
        title="Gateways"
        description="The gateways that publish this organisation's resources, and the tunnel hubs that sites and devices dial."
      />
      <section className="card form" aria-labelledby="new-gateway">
        <h2 id="new-gateway">Add a gateway or tunnel hub</h2>
        <form onSubmit={create} noValidate>
          {error !== undefined && Object.keys(fields).length === 0 ? (
            <ErrorBanner error={error} title="Not added" />
          ) : null}
          <div className="form-grid">
            <TextField
              label="Gateway name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              error={fields.name}
              placeholder="edge-eu-1"
              required
            />
            <SelectField
              label="Kind"
              value={kind}
              onChange={(e) => setKind(e.target.value === 'hub' ? 'hub' : 'gateway')}
              error={fields.kind}
            >
              <option value="gateway">Gateway</option>
              <option value="hub">Tunnel hub (WireGuard)</option>
            </SelectField>
          </div>
          <Button type="submit" variant="primary" busy={adding.running !== undefined}>
            Add
          </Button>
        </form>
      </section>
      {issued === undefined ? null : (
        <section className="card" aria-labelledby="enrol">
          <h2 id="enrol">Enrol “{issued.gateway.name}”</h2>
          <p>
            The token works once, until {formatTime(issued.enrolTokenExpiresAt)}, and is shown only now. It reaches the
            process on its standard input, never on its command line.
          </p>
          <SecretBox
            label={issued.gateway.kind === 'hub' ? 'Tunnel hub command' : 'Gateway command'}
            value={agentCommand(issued.gateway.kind, window.location.origin, issued.enrolToken)}
          />
          {issued.gateway.kind === 'hub' ? (
            <p className="muted">
              Run it on the host sites and devices reach over UDP, with wireguard-go or the WireGuard kernel module.
            </p>
          ) : null}
        </section>
      )}
      <section className="section" aria-labelledby="gateway-list">
        <h2 id="gateway-list">All gateways and hubs</h2>
        <ErrorBanner error={list.error} title="Could not load the gateways" />
        <ErrorBanner error={rows.error} title="That did not work" />
        {list.data === undefined && list.error === undefined ? <Loading /> : null}
        {list.data !== undefined && items.length === 0 ? (
          <EmptyState title="No gateways yet">
            <code>rustronaut start</code> runs one beside the admin; add others here and run the command on their host.
          </EmptyState>
        ) : (
          <ul className="status-list">
            {items.map((g) => {
              const row = agentRow(g, now);
              return (
                <li key={g.id}>
                  <Badge tone={STATE_TONE[row.state]}>{STATE_LABEL[row.state]}</Badge>
                  <span className="status-name">{g.name}</span>
                  <span className="status-detail">
                    {KIND_LABEL[g.kind]} · {row.detail}
                    {g.agentVersion === null ? '' : ` · version ${g.agentVersion}`}
                    {g.kind === 'hub' && g.wgEndpoint !== null ? ` · ${g.wgEndpoint}` : ''}
                    {g.certExpiresAt === null ? '' : ` · certificate until ${formatTime(g.certExpiresAt)}`}
                  </span>
                  <span className="row-actions">
                    {g.enrolled ? null : (
                      <Button
                        variant="ghost"
                        busy={rows.running === g.id}
                        onClick={() => act(g, 'token')}
                        aria-label={`New enrolment token for ${g.name}`}
                      >
                        New token
                      </Button>
                    )}
                    <Button
                      variant="danger"
                      busy={rows.running === g.id}
                      onClick={() => act(g, 'delete')}
                      aria-label={`Delete ${g.name}`}
                    >
                      Delete
                    </Button>
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </>
  );
}
