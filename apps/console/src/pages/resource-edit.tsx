import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { fieldErrorsOf } from '../api/problem.js';
import type { Page, PolicyView, ResourceView, SiteView } from '../api/types.js';
import { EMPTY_RESOURCE_FORM, formOf, resourceBody, type ResourceForm } from '../lib/resource-form.js';
import { useApi } from '../shell/session.js';
import { useLoad } from '../shell/use-load.js';
import { Banner, ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { CheckboxField, SelectField, TextAreaField, TextField } from '../ui/field.js';
import { Loading } from '../ui/loading.js';
import { PageHeader } from '../ui/page-header.js';
import { ResourceStatus } from './resource-status.js';

/** Create (`/resources/new`) or edit a resource; the API's validation messages appear at their fields. */
export function ResourceEditPage() {
  const { orgId = '', resourceId } = useParams();
  const api = useApi();
  const navigate = useNavigate();
  const base = `/api/v1/orgs/${orgId}`;
  const isNew = resourceId === undefined;
  const existing = useLoad(
    (signal) =>
      isNew ? Promise.resolve(undefined) : api.get<ResourceView>(`${base}/resources/${resourceId}`, { signal }),
    [base, resourceId],
  );
  const policies = useLoad((signal) => api.get<Page<PolicyView>>(`${base}/policies?limit=200`, { signal }), [base]);
  const sites = useLoad((signal) => api.get<Page<SiteView>>(`${base}/sites?limit=200`, { signal }), [base]);
  const [form, setForm] = useState<ResourceForm>(EMPTY_RESOURCE_FORM);
  const [busy, setBusy] = useState<'save' | 'delete' | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  useEffect(() => {
    if (existing.data !== undefined) setForm(formOf(existing.data));
  }, [existing.data]);

  const set = <K extends keyof ResourceForm>(key: K, value: ResourceForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setSaved(false);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy('save');
    setError(undefined);
    setSaved(false);
    try {
      if (isNew) {
        const created = await api.request<ResourceView>('POST', `${base}/resources`, resourceBody(form));
        void navigate(`/orgs/${orgId}/resources/${created.id}`, { replace: true });
      } else {
        await api.request<ResourceView>('PATCH', `${base}/resources/${resourceId}`, resourceBody(form, true));
        setSaved(true);
        existing.reload();
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };

  const remove = async () => {
    setBusy('delete');
    setError(undefined);
    try {
      await api.request('DELETE', `${base}/resources/${resourceId ?? ''}`);
      void navigate(`/orgs/${orgId}/resources`, { replace: true });
    } catch (err) {
      setError(err);
      setBusy(undefined);
      setConfirmDelete(false);
    }
  };

  if (!isNew && existing.data === undefined) {
    return existing.error === undefined ? (
      <Loading />
    ) : (
      <ErrorBanner error={existing.error} title="Could not load the resource" />
    );
  }
  const fields = fieldErrorsOf(error);
  const unplaced = Object.entries(fields).filter(([name]) => !FORM_FIELDS.has(name));
  const site = (sites.data?.items ?? []).find((s) => s.id === form.siteId);

  return (
    <>
      <PageHeader
        title={isNew ? 'New resource' : (existing.data?.name ?? 'Resource')}
        description={<Link to={`/orgs/${orgId}/resources`}>← All resources</Link>}
      />
      <form className="card form" onSubmit={(e) => void save(e)} noValidate aria-label="Resource">
        {error !== undefined && Object.keys(fields).length === 0 ? (
          <ErrorBanner error={error} title="Not saved" />
        ) : null}
        {Object.keys(fields).length > 0 ? (
          <Banner tone="error" title="Not saved: check the fields marked below">
            {unplaced.map(([name, message]) => `${name}: ${message}`).join('; ') || null}
          </Banner>
        ) : null}
        {saved ? <Banner tone="success" title="Saved. Gateways apply the change within a second." /> : null}
        <div className="form-grid">
          <TextField
            label="Name"
            name="name"
            value={form.name}
            onChange={(e) => set('name', e.target.value)}
            error={fields.name}
            required
          />
          <SelectField
            label="Kind"
            name="kind"
            value={form.kind}
            onChange={(e) => set('kind', e.target.value as 'http' | 'tcp')}
            disabled={!isNew}
          >
            <option value="http">HTTP (web app or API)</option>
            <option value="tcp">TCP (database, SSH, …)</option>
          </SelectField>
          <TextField
            label={form.kind === 'http' ? 'Host name' : 'Server name (TLS SNI, optional)'}
            name="host"
            value={form.host}
            onChange={(e) => set('host', e.target.value)}
            error={fields.host}
            placeholder="grafana.example.com"
            autoCapitalize="off"
            spellCheck={false}
          />
          {form.kind === 'http' ? (
            <TextField
              label="Path prefix"
              name="pathPrefix"
              value={form.pathPrefix}
              onChange={(e) => set('pathPrefix', e.target.value)}
              error={fields.pathPrefix}
            />
          ) : (
            <TextField
              label="Gateway port"
              name="port"
              inputMode="numeric"
              value={form.port}
              onChange={(e) => set('port', e.target.value)}
              error={fields.port}
            />
          )}
        </div>
        <TextAreaField
          label="Targets"
          name="targets"
          rows={3}
          value={form.targets}
          onChange={(e) => set('targets', e.target.value)}
          error={fields.targets}
          hint={
            form.kind === 'http'
              ? 'One URL a line, e.g. http://10.0.0.5:3000'
              : 'One host:port a line, e.g. 10.0.0.7:5432'
          }
          spellCheck={false}
          className="mono"
        />
        <div className="form-grid">
          <SelectField
            label="Access policy"
            name="policyId"
            value={form.policyId}
            onChange={(e) => set('policyId', e.target.value)}
            error={fields.policyId}
            hint="Who may use it. Without a policy, every signed-in member of the organisation may."
          >
            <option value="">None</option>
            {(policies.data?.items ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Site"
            name="siteId"
            value={form.siteId}
            onChange={(e) => set('siteId', e.target.value)}
            error={fields.siteId}
            hint="The site whose connector reaches the targets."
          >
            <option value="">None: direct from the gateway</option>
            {(sites.data?.items ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </SelectField>
        </div>
        <CheckboxField
          label="Public: anyone may use it without signing in"
          checked={form.public}
          onChange={(e) => set('public', e.target.checked)}
        />
        <CheckboxField
          label="Enabled: the gateway publishes it"
          checked={form.enabled}
          onChange={(e) => set('enabled', e.target.checked)}
        />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy === 'save'}>
            {isNew ? 'Create resource' : 'Save changes'}
          </Button>
          {isNew ? null : confirmDelete ? (
            <>
              <Button variant="danger" busy={busy === 'delete'} onClick={() => void remove()}>
                Delete for good
              </Button>
              <Button variant="ghost" onClick={() => setConfirmDelete(false)}>
                Keep it
              </Button>
            </>
          ) : (
            <Button variant="danger" onClick={() => setConfirmDelete(true)}>
              Delete…
            </Button>
          )}
        </div>
      </form>
      {isNew || existing.data === undefined ? null : (
        <ResourceStatus orgId={orgId} resource={existing.data} site={site} />
      )}
    </>
  );
}

const FORM_FIELDS = new Set(['name', 'kind', 'host', 'pathPrefix', 'port', 'targets', 'policyId', 'siteId']);
