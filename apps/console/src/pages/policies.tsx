import { useEffect, useState, type FormEvent } from 'react';
import { Link, NavLink, useNavigate, useParams } from 'react-router';
import { fieldErrorsOf } from '../api/problem.js';
import type { ExplainInput, ExplainResponse, Page, PolicyView } from '../api/types.js';
import { formatRules, parseRules, STARTER_RULES } from '../lib/policy-rules.js';
import { listOf } from '../lib/sso.js';
import { useApi } from '../shell/session.js';
import { useLoad } from '../shell/use-load.js';
import { Badge } from '../ui/badge.js';
import { Banner, ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { CheckboxField, SelectField, TextAreaField, TextField } from '../ui/field.js';
import { EmptyState } from '../ui/empty-state.js';
import { Loading } from '../ui/loading.js';
import { PageHeader } from '../ui/page-header.js';

/** Policies: the list, the rule editor, and a "test access" panel backed by the explain API. */
export function PoliciesPage() {
  const { orgId = '', policyId } = useParams();
  const api = useApi();
  const base = `/api/v1/orgs/${orgId}`;
  const list = useLoad((signal) => api.get<Page<PolicyView>>(`${base}/policies?limit=200`, { signal }), [base]);
  const items = list.data?.items ?? [];
  const selected = policyId === 'new' ? 'new' : items.find((p) => p.id === policyId);

  return (
    <>
      <PageHeader
        title="Policies"
        description="Who may reach a resource: allow and deny rules. Deny wins; without a matching allow, access is denied."
        actions={
          <Link className="btn btn-primary" to={`/orgs/${orgId}/policies/new`}>
            New policy
          </Link>
        }
      />
      <ErrorBanner error={list.error} title="Could not load the policies" />
      <div className="split">
        <nav className="split-list" aria-label="Policies">
          {list.data === undefined && list.error === undefined ? <Loading /> : null}
          {list.data !== undefined && items.length === 0 ? (
            <EmptyState title="No policies yet">Create one, then pick it on a resource.</EmptyState>
          ) : (
            <ul>
              {items.map((p) => (
                <li key={p.id}>
                  <NavLink to={`/orgs/${orgId}/policies/${p.id}`}>
                    {p.name}
                    <span className="muted">
                      {' '}
                      · {p.rules.length} rule{p.rules.length === 1 ? '' : 's'}
                    </span>
                  </NavLink>
                </li>
              ))}
            </ul>
          )}
        </nav>
        <div className="split-main">
          {selected === undefined ? (
            policyId === undefined || list.data === undefined ? (
              <EmptyState title="Pick a policy to edit it, or create a new one" />
            ) : (
              <EmptyState title="No such policy in this organisation" />
            )
          ) : (
            <PolicyEditor
              key={selected === 'new' ? 'new' : selected.id}
              base={base}
              orgId={orgId}
              policy={selected === 'new' ? undefined : selected}
              onSaved={list.reload}
            />
          )}
        </div>
      </div>
    </>
  );
}

function PolicyEditor({
  base,
  orgId,
  policy,
  onSaved,
}: {
  base: string;
  orgId: string;
  policy: PolicyView | undefined;
  onSaved: () => void;
}) {
  const api = useApi();
  const navigate = useNavigate();
  const [name, setName] = useState(policy?.name ?? '');
  const [description, setDescription] = useState(policy?.description ?? '');
  const [rulesText, setRulesText] = useState(formatRules(policy?.rules ?? STARTER_RULES));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const parsed = parseRules(rulesText);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if ('error' in parsed) return;
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const body = { name, description, rules: parsed.rules };
      if (policy === undefined) {
        const created = await api.request<PolicyView>('POST', `${base}/policies`, body);
        onSaved();
        void navigate(`/orgs/${orgId}/policies/${created.id}`, { replace: true });
      } else {
        await api.request<PolicyView>('PATCH', `${base}/policies/${policy.id}`, body);
        setSaved(true);
        onSaved();
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fields = fieldErrorsOf(error);
  const rulesError = 'error' in parsed ? parsed.error : fields.rules;

  return (
    <div className="policy-editor">
      <form className="card form" onSubmit={(e) => void save(e)} noValidate aria-label="Policy">
        <h2>{policy === undefined ? 'New policy' : `Edit ${policy.name}`}</h2>
        {error !== undefined && fields.rules === undefined ? <ErrorBanner error={error} title="Not saved" /> : null}
        {saved ? <Banner tone="success" title="Saved. Gateways apply it within a second." /> : null}
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={fields.name} required />
        <TextField
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={fields.description}
        />
        <TextAreaField
          label="Rules (JSON)"
          className="mono code-input"
          // As tall as the rules (within reason), so they read without scrolling a box.
          rows={Math.min(30, Math.max(8, rulesText.split('\n').length + 1))}
          spellCheck={false}
          value={rulesText}
          onChange={(e) => {
            setRulesText(e.target.value);
            setSaved(false);
          }}
          error={rulesError}
          hint='Each rule: { "id", "effect": "allow" | "deny" | "bypass", "when": { "roles", "emails", "sourceCidrs", "methods", "paths", "schedule", "requireSecondFactor", … } }'
        />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy} disabled={'error' in parsed}>
            {policy === undefined ? 'Create policy' : 'Save policy'}
          </Button>
        </div>
      </form>
      {policy === undefined ? null : <TestAccess base={base} policyId={policy.id} />}
    </div>
  );
}

/** "Test access": what the saved policy decides for a request, rule by rule (POST …/policies/{id}/explain). */
function TestAccess({ base, policyId }: { base: string; policyId: string }) {
  const api = useApi();
  const [email, setEmail] = useState('alice@example.com');
  const [roles, setRoles] = useState('operator');
  const [sourceIp, setSourceIp] = useState('203.0.113.10');
  const [method, setMethod] = useState('GET');
  const [path, setPath] = useState('/');
  const [secondFactor, setSecondFactor] = useState(false);
  const [anonymous, setAnonymous] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<ExplainResponse | undefined>(undefined);
  useEffect(() => setResult(undefined), [policyId]);

  const run = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const body: ExplainInput = {
      ...(anonymous
        ? {}
        : {
            user: {
              id: email,
              email,
              roles: listOf(roles),
            },
            authMethod: 'password' as const,
          }),
      secondFactor,
      sourceIp,
      method,
      path,
    };
    try {
      setResult(await api.request<ExplainResponse>('POST', `${base}/policies/${policyId}/explain`, body));
    } catch (err) {
      setError(err);
      setResult(undefined);
    } finally {
      setBusy(false);
    }
  };
  const fields = fieldErrorsOf(error, { user: 'email' });
  return (
    <section className="card form" aria-labelledby="test-access">
      <h2 id="test-access">Test access</h2>
      <p className="muted">Checks the saved policy against a request, as the gateway would.</p>
      <form onSubmit={(e) => void run(e)} noValidate>
        {error !== undefined && Object.keys(fields).length === 0 ? (
          <ErrorBanner error={error} title="Could not test" />
        ) : null}
        <CheckboxField
          label="Anonymous (not signed in)"
          checked={anonymous}
          onChange={(e) => setAnonymous(e.target.checked)}
        />
        <div className="form-grid">
          <TextField
            label="User email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            disabled={anonymous}
            error={fields.email}
          />
          <TextField
            label="Roles (comma-separated)"
            value={roles}
            onChange={(e) => setRoles(e.target.value)}
            disabled={anonymous}
          />
          <TextField
            label="Source IP"
            value={sourceIp}
            onChange={(e) => setSourceIp(e.target.value)}
            error={fields.sourceIp}
          />
          <SelectField label="Method" value={method} onChange={(e) => setMethod(e.target.value)}>
            {['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => (
              <option key={m}>{m}</option>
            ))}
          </SelectField>
          <TextField label="Path" value={path} onChange={(e) => setPath(e.target.value)} error={fields.path} />
        </div>
        <CheckboxField
          label="Signed in with a second factor"
          checked={secondFactor}
          onChange={(e) => setSecondFactor(e.target.checked)}
        />
        <Button type="submit" busy={busy}>
          Test
        </Button>
      </form>
      {result === undefined ? null : (
        <div className="explain" aria-live="polite">
          <p className="explain-decision">
            <Badge tone={result.decision.allowed ? 'ok' : 'bad'}>
              {result.decision.allowed ? 'Allowed' : 'Denied'}
            </Badge>{' '}
            {result.summary}
          </p>
          <ol className="explain-rules">
            {result.rules.map((rule) => (
              <li key={rule.id} className={rule.matched ? 'rule-matched' : undefined}>
                <strong>{rule.id}</strong> ({rule.effect}) {rule.matched ? 'matched' : 'did not match'}
                <ul>
                  {rule.criteria.map((c) => (
                    <li key={c.criterion}>
                      {c.matched ? '✓' : '✗'} {c.criterion}: {c.reason}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
