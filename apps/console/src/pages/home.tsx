import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate } from 'react-router';
import { fieldErrorsOf } from '../api/problem.js';
import type { OrgView } from '../api/types.js';
import { useMe } from '../shell/me.js';
import { useApi } from '../shell/session.js';
import { ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { TextField } from '../ui/field.js';
import { PageHeader } from '../ui/page-header.js';

/** `/`: the first organisation's dashboard, or creating one when the user has none. */
export function HomePage() {
  const { me } = useMe();
  const first = me.memberships[0];
  if (first !== undefined) return <Navigate to={`/orgs/${first.orgId}/dashboard`} replace />;
  return <CreateOrgPage />;
}

/** `/orgs/new` (and `/` for a user of no organisation): create an organisation, which the user then owns. */
export function CreateOrgPage() {
  const { me } = useMe();
  const api = useApi();
  const { reload } = useMe();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const org = await api.request<OrgView>('POST', '/api/v1/orgs', { name, slug });
      reload();
      void navigate(`/orgs/${org.id}/dashboard`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const fields = fieldErrorsOf(error);
  return (
    <main className="centered">
      <div className="card auth-card">
        <PageHeader
          title="Create an organisation"
          description={
            me.memberships.length === 0
              ? 'You are not a member of any organisation yet. Everything in Rustronaut lives in one.'
              : 'A separate set of resources, sites, members and audit log, which you own.'
          }
        />
        <form onSubmit={(e) => void submit(e)} noValidate>
          <ErrorBanner error={error} />
          <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={fields.name} required />
          <TextField
            label="Short name"
            hint="Lower-case letters, digits and hyphens, e.g. home-lab."
            value={slug}
            onChange={(e) => setSlug(e.target.value)}
            error={fields.slug}
            required
          />
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={busy}>
              Create
            </Button>
            {me.memberships.length === 0 ? null : (
              <Button variant="ghost" onClick={() => void navigate(-1)}>
                Cancel
              </Button>
            )}
          </div>
        </form>
      </div>
    </main>
  );
}
