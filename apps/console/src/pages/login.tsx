import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { ApiError, fieldErrorsOf } from '../api/problem.js';
import type { Me } from '../api/types.js';
import { safeNext } from '../lib/next-path.js';
import { rememberedOrg, signInOrg, ssoStartHref } from '../lib/sso.js';
import { useApi } from '../shell/session.js';
import { Banner, ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { TextField } from '../ui/field.js';

/** What the login page says when single sign-on sent the browser back with `?error=<code>`; only known codes. */
const SSO_ERRORS: Readonly<Record<string, string>> = {
  ERR_AUTH_SSO_FAILED:
    'Single sign-on did not complete (it took too long, was refused, or the account could not be matched). Try again, or sign in with your password.',
  ERR_AUTH_SSO_UNAVAILABLE: 'The identity provider cannot be reached right now. Try again in a moment.',
  ERR_ACCESS_NOT_MEMBER:
    'You are signed in, but not a member of the organisation that publishes this application (or your membership is suspended).',
  ERR_ACCESS_INTENT_INVALID: 'The link to the application has expired. Open the application again.',
};

/** `GET /api/v1/auth/sso/providers`: an organisation's sign-in buttons. */
interface SsoButtons {
  readonly items: readonly { readonly id: string; readonly name: string; readonly startUrl: string }[];
}

/**
 * Sign-in: the organisation's single sign-on buttons (of the intent's organisation, `?org=`, or the one last opened
 * here), or email and password, then the TOTP step when the account has a second factor. With `?intent=` (a
 * gateway sent the browser here to reach an app), the console trades the intent for the app's callback URL once
 * signed in — at once when a session exists already. With `?next=`, it returns to that console page.
 */
export function LoginPage() {
  const api = useApi();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const intent = params.get('intent') ?? '';
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [checking, setChecking] = useState(true);
  const [sso, setSso] = useState<SsoButtons['items']>([]);
  const ssoOrg = signInOrg(intent, params.get('org'), rememberedOrg());

  // The buttons are a convenience: without them (no org known, an error) the password form still works.
  useEffect(() => {
    if (ssoOrg === undefined) return undefined;
    const controller = new AbortController();
    api
      .get<SsoButtons>(`/api/v1/auth/sso/providers?orgId=${ssoOrg}`, { signal: controller.signal, noRefresh: true })
      .then(
        (answer) => setSso(answer.items),
        () => setSso([]),
      );
    return () => controller.abort();
  }, [api, ssoOrg]);

  useEffect(() => {
    document.title = 'Sign in · Rustronaut';
  }, []);

  /** Where to go once signed in: the app behind the gateway (intent), else the console page. */
  const proceed = async () => {
    if (intent === '') {
      void navigate(next, { replace: true });
      return;
    }
    try {
      const grant = await api.request<{ redirectUrl: string }>('POST', '/api/v1/auth/access-grant', { intent });
      window.location.assign(grant.redirectUrl);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  // Already signed in: go on without asking again.
  useEffect(() => {
    const controller = new AbortController();
    api.get<Me>('/api/v1/me', { signal: controller.signal }).then(
      () => {
        void proceed();
      },
      () => {
        if (!controller.signal.aborted) setChecking(false);
      },
    );
    return () => controller.abort();
    // Once, on arrival.
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.request(
        'POST',
        '/api/v1/auth/login',
        { email, password, ...(needTotp ? { totp } : {}) },
        { noRefresh: true },
      );
      await proceed();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'ERR_AUTH_TOTP_REQUIRED') {
        setNeedTotp(true);
        setError(undefined);
      } else {
        setError(err);
      }
      setBusy(false);
    }
  };

  const fields = fieldErrorsOf(error);
  const grantFailed =
    error instanceof ApiError && intent !== '' && error.problem.code !== 'ERR_AUTH_INVALID_CREDENTIALS';
  return (
    <main className="centered">
      <div className="card auth-card">
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true">
            R
          </span>
          <h1>Sign in to Rustronaut</h1>
        </div>
        {intent === '' ? null : <Banner tone="info">Sign in to continue to the application you asked for.</Banner>}
        {params.get('error') === null ? null : (
          <Banner tone="error" title="Single sign-on failed">
            {SSO_ERRORS[params.get('error') ?? ''] ?? 'Single sign-on did not complete. Try again.'}
          </Banner>
        )}
        {params.get('next') === null ? null : (
          <Banner tone="warning">Your session has ended. Sign in again to go back where you were.</Banner>
        )}
        {checking ? (
          <p className="loading" role="status">
            Checking your session…
          </p>
        ) : (
          <form onSubmit={(e) => void submit(e)} noValidate>
            <ErrorBanner
              error={error}
              title={grantFailed ? 'Could not continue to the application' : 'Sign-in failed'}
            />
            {needTotp ? (
              <TextField
                autoFocus
                label="Code from your authenticator app"
                name="totp"
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="\d{6}"
                maxLength={6}
                value={totp}
                onChange={(e) => setTotp(e.target.value.replace(/\D/g, ''))}
                error={fields.totp}
                required
              />
            ) : (
              <>
                <TextField
                  label="Email"
                  name="email"
                  type="email"
                  autoComplete="username"
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                  error={fields.email}
                  required
                  autoFocus
                />
                <TextField
                  label="Password"
                  name="password"
                  type="password"
                  autoComplete="current-password"
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  error={fields.password}
                  required
                />
              </>
            )}
            <Button type="submit" variant="primary" busy={busy} className="btn-block">
              {needTotp ? 'Verify' : 'Sign in'}
            </Button>
            {needTotp ? (
              <Button variant="ghost" className="btn-block" onClick={() => setNeedTotp(false)}>
                Back
              </Button>
            ) : null}
          </form>
        )}
        {checking || needTotp || sso.length === 0 ? null : (
          <nav className="sso" aria-label="Single sign-on">
            <p className="sso-or">or</p>
            {sso.map((p) => (
              <a key={p.id} className="btn btn-secondary btn-block" href={ssoStartHref(p.startUrl, intent)}>
                Sign in with {p.name}
              </a>
            ))}
          </nav>
        )}
      </div>
    </main>
  );
}
