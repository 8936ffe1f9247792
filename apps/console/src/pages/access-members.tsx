import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { fieldErrorsOf } from '../api/problem.js';
import type { MemberView, Page, RoleView } from '../api/types.js';
import { useApi } from '../shell/session.js';
import { useLoad } from '../shell/use-load.js';
import { Badge } from '../ui/badge.js';
import { ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { SelectField, TextField } from '../ui/field.js';
import { EmptyState } from '../ui/empty-state.js';
import { Loading } from '../ui/loading.js';

/** Members of the organisation: add one by email; change roles, suspend or reinstate, remove. */
export function MembersTab() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const base = `/api/v1/orgs/${orgId}`;
  const members = useLoad((signal) => api.get<Page<MemberView>>(`${base}/members?limit=200`, { signal }), [base]);
  const roles = useLoad((signal) => api.get<Page<RoleView>>(`${base}/roles?limit=200`, { signal }), [base]);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('viewer');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const [draft, setDraft] = useState<string[]>([]);
  const [rowBusy, setRowBusy] = useState<string | undefined>(undefined);
  const [rowError, setRowError] = useState<unknown>(undefined);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.request('POST', `${base}/members`, { email, roles: [role], ...(password === '' ? {} : { password }) });
      setEmail('');
      setPassword('');
      members.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  /** Changes a member's roles or suspends (reinstates) them; gateways apply it within a second. */
  const change = async (m: MemberView, body: { roles?: string[]; disabled?: boolean }) => {
    setRowBusy(m.userId);
    setRowError(undefined);
    try {
      await api.request('PATCH', `${base}/members/${m.userId}`, body);
      setEditing(undefined);
      members.reload();
    } catch (err) {
      setRowError(err);
    } finally {
      setRowBusy(undefined);
    }
  };
  const remove = async (m: MemberView) => {
    setRowBusy(m.userId);
    setRowError(undefined);
    try {
      await api.request('DELETE', `${base}/members/${m.userId}`);
      members.reload();
    } catch (err) {
      setRowError(err);
    } finally {
      setRowBusy(undefined);
    }
  };
  const roleNames = (roles.data?.items ?? []).map((r) => r.name);
  const fields = fieldErrorsOf(error);
  return (
    <>
      <section className="card form" aria-labelledby="add-member">
        <h2 id="add-member">Add a user</h2>
        <form onSubmit={(e) => void add(e)} noValidate>
          {error !== undefined && Object.keys(fields).length === 0 ? (
            <ErrorBanner error={error} title="User not added" />
          ) : null}
          <div className="form-grid">
            <TextField
              label="Email"
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              error={fields.email}
              required
            />
            <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value)} error={fields.roles}>
              {(roles.data?.items ?? [{ name: 'viewer' }]).map((r) => (
                <option key={r.name}>{r.name}</option>
              ))}
            </SelectField>
            <TextField
              label="Initial password (new accounts only)"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              error={fields.password}
              hint="Only when no account has this email yet; hand it to the person."
            />
          </div>
          <Button type="submit" variant="primary" busy={busy}>
            Add user
          </Button>
        </form>
      </section>
      <ErrorBanner error={members.error} title="Could not load the users" />
      {members.data === undefined && members.error === undefined ? <Loading /> : null}
      {members.data !== undefined && members.data.items.length === 0 ? <EmptyState title="No members" /> : null}
      <ErrorBanner error={rowError} title="Not changed" />
      {members.data === undefined || members.data.items.length === 0 ? null : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Roles</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.data.items.map((m) => (
                <tr key={m.userId}>
                  <td data-label="Email">{m.email}</td>
                  <td data-label="Name">{m.name === '' ? <span className="muted">—</span> : m.name}</td>
                  <td data-label="Roles">
                    {editing === m.userId ? (
                      <fieldset className="inline-checks">
                        <legend className="visually-hidden">Roles of {m.email}</legend>
                        {roleNames.map((r) => (
                          <label key={r} className="check">
                            <input
                              type="checkbox"
                              checked={draft.includes(r)}
                              onChange={(e) =>
                                setDraft((d) => (e.target.checked ? [...d, r] : d.filter((x) => x !== r)))
                              }
                            />
                            {r}
                          </label>
                        ))}
                      </fieldset>
                    ) : (
                      <span>
                        {m.roles.map((r) => (
                          <Badge key={r} tone="neutral">
                            {r}
                          </Badge>
                        ))}
                      </span>
                    )}
                  </td>
                  <td data-label="State">
                    {m.disabled ? <Badge tone="bad">Suspended</Badge> : <Badge tone="ok">Active</Badge>}
                  </td>
                  <td data-label="Actions">
                    <span className="row-actions">
                      {editing === m.userId ? (
                        <>
                          <Button
                            variant="primary"
                            busy={rowBusy === m.userId}
                            onClick={() => void change(m, { roles: draft })}
                            aria-label={`Save the roles of ${m.email}`}
                          >
                            Save
                          </Button>
                          <Button variant="ghost" onClick={() => setEditing(undefined)}>
                            Cancel
                          </Button>
                        </>
                      ) : (
                        <>
                          <Button
                            variant="ghost"
                            onClick={() => {
                              setEditing(m.userId);
                              setDraft(m.roles);
                            }}
                            aria-label={`Change the roles of ${m.email}`}
                          >
                            Roles…
                          </Button>
                          <Button
                            variant="ghost"
                            busy={rowBusy === m.userId}
                            onClick={() => void change(m, { disabled: !m.disabled })}
                            aria-label={`${m.disabled ? 'Reinstate' : 'Suspend'} ${m.email}`}
                          >
                            {m.disabled ? 'Reinstate' : 'Suspend'}
                          </Button>
                          <Button
                            variant="danger"
                            busy={rowBusy === m.userId}
                            onClick={() => void remove(m)}
                            aria-label={`Remove ${m.email}`}
                          >
                            Remove
                          </Button>
                        </>
                      )}
                    </span>
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
