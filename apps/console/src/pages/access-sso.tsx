import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import type { IdentityProviderView, Page } from '../api/types.js';
import { listOf, parseRoleMapping } from '../lib/sso.js';
import { useApi } from '../shell/session.js';
import { useAction } from '../shell/use-action.js';
import { useLoad } from '../shell/use-load.js';
import { ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { CheckboxField, TextAreaField, TextField } from '../ui/field.js';
import { EmptyState } from '../ui/empty-state.js';
import { Loading } from '../ui/loading.js';
import { SecretBox } from '../ui/secret-box.js';

const EMPTY = {
  name: '',
  issuer: '',
  clientId: '',
  clientSecret: '',
  scopes: 'openid email profile',
  rolesClaim: '',
  roleMapping: '',
  defaultRoles: 'viewer',
  provision: true,
};

/** Single sign-on: the organisation's OpenID Connect providers (their buttons show on the login page). */
export function SsoTab() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const base = `/api/v1/orgs/${orgId}`;
  const providers = useLoad(
    (signal) => api.get<Page<IdentityProviderView>>(`${base}/identity-providers?limit=200`, { signal }),
    [base],
  );
  const [form, setForm] = useState(EMPTY);
  const adding = useAction();
  const removing = useAction();
  const set = (field: keyof typeof EMPTY) => (value: string | boolean) => setForm((f) => ({ ...f, [field]: value }));
  const mapping = parseRoleMapping(form.roleMapping);

  const create = (event: FormEvent) => {
    event.preventDefault();
    if ('error' in mapping) return;
    void adding.run(async () => {
      await api.request('POST', `${base}/identity-providers`, {
        name: form.name,
        issuer: form.issuer.trim(),
        clientId: form.clientId.trim(),
        clientSecret: form.clientSecret,
        scopes: form.scopes.trim(),
        rolesClaim: form.rolesClaim.trim() === '' ? null : form.rolesClaim.trim(),
        roleMapping: mapping.mapping,
        defaultRoles: listOf(form.defaultRoles),
        provision: form.provision,
      });
      setForm(EMPTY);
      providers.reload();
    });
  };
  const remove = (provider: IdentityProviderView) =>
    void removing.run(async () => {
      await api.request('DELETE', `${base}/identity-providers/${provider.id}`);
      providers.reload();
    }, provider.id);
  const { fields, error } = adding;
  const items = providers.data?.items ?? [];

  return (
    <>
      <section className="section" aria-labelledby="sso-list">
        <h2 id="sso-list">Identity providers</h2>
        <ErrorBanner error={providers.error} title="Could not load the identity providers" />
        <ErrorBanner error={removing.error} title="Not removed" />
        {providers.data === undefined && providers.error === undefined ? <Loading /> : null}
        {providers.data !== undefined && items.length === 0 ? (
          <EmptyState title="No single sign-on yet">
            Add your OpenID Connect provider below (Keycloak, Authentik, Entra ID, Google…): its button then shows on
            the login page, and its groups can map to roles here.
          </EmptyState>
        ) : null}
        {items.map((p) => (
          <article key={p.id} className="card" aria-labelledby={`idp-${p.id}`}>
            <h3 id={`idp-${p.id}`}>{p.name}</h3>
            <dl className="facts">
              <dt>Issuer</dt>
              <dd className="mono">{p.issuer}</dd>
              <dt>Client id</dt>
              <dd className="mono">{p.clientId}</dd>
              <dt>Roles</dt>
              <dd>
                {Object.keys(p.roleMapping).length === 0
                  ? 'no mapping'
                  : Object.entries(p.roleMapping)
                      .map(([value, role]) => `${value} → ${role}`)
                      .join(', ')}
                {p.rolesClaim === null ? '' : ` (claim “${p.rolesClaim}”)`}; otherwise {p.defaultRoles.join(', ')}
              </dd>
              <dt>New users</dt>
              <dd>{p.provision ? 'get an account at their first sign-in' : 'need an account first'}</dd>
            </dl>
            <SecretBox label={`Redirect URI of ${p.name}`} value={p.redirectUri}>
              <Button
                variant="danger"
                busy={removing.running === p.id}
                onClick={() => remove(p)}
                aria-label={`Remove ${p.name}`}
              >
                Remove
              </Button>
            </SecretBox>
          </article>
        ))}
      </section>
      <section className="card form" aria-labelledby="new-idp">
        <h2 id="new-idp">Add an OpenID Connect provider</h2>
        <p className="muted">
          Register <code>{window.location.origin}/api/v1/auth/sso/callback</code> as a redirect URI at the provider (the
          list above shows the exact one once added). The client secret is stored encrypted and never shown again.
        </p>
        <form onSubmit={create} noValidate>
          {error !== undefined && Object.keys(fields).length === 0 ? (
            <ErrorBanner error={error} title="Provider not added" />
          ) : null}
          <div className="form-grid">
            <TextField
              label="Button name"
              value={form.name}
              onChange={(e) => set('name')(e.target.value)}
              error={fields.name}
              placeholder="Corp IdP"
              required
            />
            <TextField
              label="Issuer URL"
              type="url"
              value={form.issuer}
              onChange={(e) => set('issuer')(e.target.value)}
              error={fields.issuer}
              placeholder="https://login.example.com/realms/corp"
              required
            />
            <TextField
              label="Client id"
              value={form.clientId}
              onChange={(e) => set('clientId')(e.target.value)}
              error={fields.clientId}
              autoComplete="off"
              required
            />
            <TextField
              label="Client secret"
              type="password"
              value={form.clientSecret}
              onChange={(e) => set('clientSecret')(e.target.value)}
              error={fields.clientSecret}
              autoComplete="new-password"
              required
            />
            <TextField
              label="Scopes"
              value={form.scopes}
              onChange={(e) => set('scopes')(e.target.value)}
              error={fields.scopes}
              hint="Space-separated, openid first."
            />
            <TextField
              label="Groups claim"
              value={form.rolesClaim}
              onChange={(e) => set('rolesClaim')(e.target.value)}
              error={fields.rolesClaim}
              placeholder="groups"
              hint="The ID-token claim with the user’s groups; empty: everyone gets the default roles."
            />
            <TextAreaField
              label="Groups to roles"
              rows={3}
              value={form.roleMapping}
              onChange={(e) => set('roleMapping')(e.target.value)}
              error={'error' in mapping ? mapping.error : fields.roleMapping}
              placeholder={'ops = operator\nadmins = admin'}
              hint="One “group = role” a line."
            />
            <TextField
              label="Default roles"
              value={form.defaultRoles}
              onChange={(e) => set('defaultRoles')(e.target.value)}
              error={fields.defaultRoles}
              hint="Comma-separated; for users none of whose groups is mapped."
            />
          </div>
          <CheckboxField
            label="Create an account for a new user at their first sign-in"
            hint="Matched by verified email; otherwise only existing accounts can sign in."
            checked={form.provision}
            onChange={(e) => set('provision')(e.target.checked)}
          />
          <Button type="submit" variant="primary" busy={adding.running !== undefined} disabled={'error' in mapping}>
            Add provider
          </Button>
        </form>
      </section>
    </>
  );
}
