import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { fieldErrorsOf } from '../api/problem.js';
import type { ApiKeyCreated, ApiKeyView, Page, RoleView } from '../api/types.js';
import { timeAgo } from '../lib/format.js';
import { useMe } from '../shell/me.js';
import { useApi } from '../shell/session.js';
import { useLoad } from '../shell/use-load.js';
import { Badge } from '../ui/badge.js';
import { Banner, ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { TextField } from '../ui/field.js';
import { EmptyState } from '../ui/empty-state.js';
import { Loading } from '../ui/loading.js';
import { SecretBox } from '../ui/secret-box.js';

/** API keys: create one (the key is shown once, with a copy button), list, revoke. */
export function ApiKeysTab() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const { me } = useMe();
  const base = `/api/v1/orgs/${orgId}`;
  const keys = useLoad((signal) => api.get<Page<ApiKeyView>>(`${base}/api-keys?limit=200`, { signal }), [base]);
  const roles = useLoad((signal) => api.get<Page<RoleView>>(`${base}/roles?limit=200`, { signal }), [base]);
  const myRoles = me.memberships.find((m) => m.orgId === orgId)?.roles ?? [];
  // A key may hold only permissions its creator holds.
  const grantable = [
    ...new Set((roles.data?.items ?? []).filter((r) => myRoles.includes(r.name)).flatMap((r) => r.permissions)),
  ].sort();
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [created, setCreated] = useState<ApiKeyCreated | undefined>(undefined);
  const [revoking, setRevoking] = useState<string | undefined>(undefined);

  const toggle = (permission: string) =>
    setChosen((set) => {
      const next = new Set(set);
      if (!next.delete(permission)) next.add(permission);
      return next;
    });

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setCreated(undefined);
    try {
      setCreated(await api.request<ApiKeyCreated>('POST', `${base}/api-keys`, { name, permissions: [...chosen] }));
      setName('');
      setChosen(new Set());
      keys.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (id: string) => {
    setRevoking(id);
    setError(undefined);
    try {
      await api.request('DELETE', `${base}/api-keys/${id}`);
      keys.reload();
    } catch (err) {
      setError(err);
    } finally {
      setRevoking(undefined);
    }
  };
  const fields = fieldErrorsOf(error);

  return (
    <>
      {created === undefined ? null : (
        <section className="card" aria-labelledby="new-key">
          <h2 id="new-key">API key “{created.name}” created</h2>
          <Banner tone="warning" title="Copy the key now: it is shown only this once.">
            Send it as <code>Authorization: Bearer &lt;key&gt;</code>.
          </Banner>
          <SecretBox label="API key" value={created.key}>
            <Button variant="ghost" onClick={() => setCreated(undefined)}>
              Done, hide it
            </Button>
          </SecretBox>
        </section>
      )}
      <section className="card form" aria-labelledby="create-key">
        <h2 id="create-key">Create an API key</h2>
        <form onSubmit={(e) => void create(e)} noValidate>
          {error !== undefined && Object.keys(fields).length === 0 ? <ErrorBanner error={error} /> : null}
          <TextField
            label="Key name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={fields.name}
            placeholder="ci-deploy"
            required
          />
          <fieldset className="permissions">
            <legend>Permissions</legend>
            {fields.permissions === undefined ? null : (
              <p className="field-error" role="alert">
                {fields.permissions}
              </p>
            )}
            {roles.data === undefined ? <Loading /> : null}
            <div className="permission-grid">
              {grantable.map((p) => (
                <label key={p} className="check">
                  <input type="checkbox" checked={chosen.has(p)} onChange={() => toggle(p)} />{' '}
                  <span className="mono">{p}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <Button type="submit" variant="primary" busy={busy}>
            Create key
          </Button>
        </form>
      </section>
      <section className="section" aria-labelledby="key-list">
        <h2 id="key-list">Keys</h2>
        {keys.error === undefined ? null : <ErrorBanner error={keys.error} title="Could not load the keys" />}
        {keys.data === undefined && keys.error === undefined ? <Loading /> : null}
        {keys.data !== undefined && keys.data.items.length === 0 ? (
          <EmptyState title="No API keys">
            Create one for scripts and CI; it holds only the permissions you pick.
          </EmptyState>
        ) : null}
        {keys.data === undefined || keys.data.items.length === 0 ? null : (
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">API keys</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Prefix</th>
                  <th scope="col">Last used</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.items.map((k) => (
                  <tr key={k.id}>
                    <td data-label="Name">{k.name}</td>
                    <td data-label="Prefix" className="mono">
                      rsk_{k.prefix}_…
                    </td>
                    <td data-label="Last used">{timeAgo(k.lastUsedAt)}</td>
                    <td data-label="State">
                      {k.revokedAt === null ? <Badge tone="ok">Active</Badge> : <Badge tone="neutral">Revoked</Badge>}
                    </td>
                    <td data-label="Actions">
                      {k.revokedAt === null ? (
                        <Button
                          variant="danger"
                          busy={revoking === k.id}
                          onClick={() => void revoke(k.id)}
                          aria-label={`Revoke ${k.name}`}
                        >
                          Revoke
                        </Button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
