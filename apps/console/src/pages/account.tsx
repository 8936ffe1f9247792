import { toString as renderQr } from 'qrcode';
import { useState, type FormEvent } from 'react';
import type { Page, SessionView } from '../api/types.js';
import { formatTime, timeAgo } from '../lib/format.js';
import { useMe } from '../shell/me.js';
import { useAction } from '../shell/use-action.js';
import { useApi } from '../shell/session.js';
import { useLoad } from '../shell/use-load.js';
import { Badge } from '../ui/badge.js';
import { Banner, ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { TextField } from '../ui/field.js';
import { Loading } from '../ui/loading.js';
import { PageHeader } from '../ui/page-header.js';
import { SecretBox } from '../ui/secret-box.js';

/** How the otpauth link is drawn: SVG, error correction level M (what authenticator apps read from a screen). */
const TOTP_QR = { type: 'svg', errorCorrectionLevel: 'M', margin: 2 } as const;

/** The signed-in user's own account: name, password, the TOTP second factor, and their sessions. */
export function AccountPage() {
  const { me, reload } = useMe();
  const api = useApi();
  const [name, setName] = useState(me.user.name);
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [enrolment, setEnrolment] = useState<{ secret: string; uri: string; qrSvg: string } | undefined>(undefined);
  const [code, setCode] = useState('');
  const profile = useAction();
  const password = useAction();
  const totp = useAction();
  const signOut = useAction();
  const sessions = useLoad((signal) => api.get<Page<SessionView>>('/api/v1/me/sessions?limit=200', { signal }), []);

  const saveName = (event: FormEvent) => {
    event.preventDefault();
    void profile.run(async () => {
      await api.request('PATCH', '/api/v1/me', { name });
      reload();
    });
  };
  const changePassword = (event: FormEvent) => {
    event.preventDefault();
    void password.run(async () => {
      await api.request('PATCH', '/api/v1/me', { currentPassword, newPassword });
      setCurrentPassword('');
      setNewPassword('');
    });
  };
  const startTotp = () =>
    void totp.run(async () => {
      const started = await api.request<{ secret: string; uri: string }>('POST', '/api/v1/me/totp');
      // Drawn here, from the link itself: the secret goes to no other service to become a picture.
      setEnrolment({ ...started, qrSvg: await renderQr(started.uri, TOTP_QR) });
    });
  const finishTotp = (event: FormEvent) => {
    event.preventDefault();
    void totp.run(async () => {
      await api.request('POST', me.user.totpEnabled ? '/api/v1/me/totp/disable' : '/api/v1/me/totp/confirm', {
        code,
      });
      setEnrolment(undefined);
      setCode('');
      reload();
    });
  };
  const revoke = (id: string) =>
    void signOut.run(async () => {
      await api.request('DELETE', `/api/v1/me/sessions/${id}`);
      sessions.reload();
    }, id);
  const active = (sessions.data?.items ?? []).filter((s) => s.revokedAt === null);

  return (
    <>
      <PageHeader title="Your account" description={me.user.email} />
      <div className="grid-2">
        <section className="card form" aria-labelledby="profile">
          <h2 id="profile">Profile</h2>
          <form onSubmit={saveName} noValidate>
            <ErrorBanner error={Object.keys(profile.fields).length === 0 ? profile.error : undefined} />
            {profile.done ? <Banner tone="success" title="Saved." /> : null}
            <TextField
              label="Your name"
              autoComplete="name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              error={profile.fields.name}
            />
            <Button type="submit" variant="primary" busy={profile.running !== undefined}>
              Save name
            </Button>
          </form>
        </section>
        <section className="card form" aria-labelledby="password">
          <h2 id="password">Password</h2>
          <form onSubmit={changePassword} noValidate>
            <ErrorBanner error={Object.keys(password.fields).length === 0 ? password.error : undefined} />
            {password.done ? <Banner tone="success" title="Password changed." /> : null}
            <TextField
              label="Current password"
              type="password"
              autoComplete="current-password"
              value={currentPassword}
              onChange={(e) => setCurrentPassword(e.target.value)}
              error={password.fields.currentPassword}
              required
            />
            <TextField
              label="New password"
              type="password"
              autoComplete="new-password"
              hint="At least 12 characters."
              value={newPassword}
              onChange={(e) => setNewPassword(e.target.value)}
              error={password.fields.newPassword}
              required
            />
            <Button type="submit" variant="primary" busy={password.running !== undefined}>
              Change password
            </Button>
          </form>
        </section>
      </div>
      <section className="card form" aria-labelledby="second-factor">
        <h2 id="second-factor">Two-step sign-in</h2>
        <p>
          {me.user.totpEnabled ? <Badge tone="ok">On</Badge> : <Badge tone="neutral">Off</Badge>}{' '}
          {me.user.totpEnabled
            ? 'Signing in asks for a code from your authenticator app.'
            : 'Add a code from an authenticator app (any TOTP app) to your password.'}
        </p>
        <ErrorBanner error={Object.keys(totp.fields).length === 0 ? totp.error : undefined} />
        {!me.user.totpEnabled && enrolment === undefined ? (
          <Button variant="primary" busy={totp.running !== undefined} onClick={startTotp}>
            Set up two-step sign-in
          </Button>
        ) : (
          <form onSubmit={finishTotp} noValidate>
            {enrolment === undefined ? null : (
              <>
                <p>
                  Scan this code with your authenticator app, or add an account there with the setup key (or open the
                  link on the device that has the app). It is shown only now.
                </p>
                <img
                  className="qr"
                  width={200}
                  height={200}
                  alt="QR code of the otpauth link, for your authenticator app"
                  src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrSvg)}`}
                />
                <SecretBox label="Setup key" value={enrolment.secret} />
                <SecretBox label="otpauth link" value={enrolment.uri} />
              </>
            )}
            <TextField
              label={me.user.totpEnabled ? 'A current code, to turn it off' : 'The code the app shows now'}
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              value={code}
              onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
              error={totp.fields.code}
              required
            />
            <Button
              type="submit"
              variant={me.user.totpEnabled ? 'danger' : 'primary'}
              busy={totp.running !== undefined}
            >
              {me.user.totpEnabled ? 'Turn off' : 'Turn on'}
            </Button>
          </form>
        )}
      </section>
      <section className="section" aria-labelledby="my-sessions">
        <h2 id="my-sessions">Where you are signed in</h2>
        <ErrorBanner error={sessions.error} title="Could not load your sessions" />
        <ErrorBanner error={signOut.error} title="Session not revoked" />
        {sessions.data === undefined && sessions.error === undefined ? <Loading /> : null}
        <ul className="status-list">
          {active.map((s) => (
            <li key={s.id}>
              {s.current ? <Badge tone="ok">This session</Badge> : null}
              <span className="status-name">
                {s.ip} <span className="muted">{s.userAgent.slice(0, 60)}</span>
              </span>
              <span className="status-detail">
                with {s.authMethod}
                {s.mfa ? ' and a second factor' : ''} · since {formatTime(s.createdAt)} · active {timeAgo(s.lastSeenAt)}
              </span>
              {s.current ? null : (
                <span className="row-actions">
                  <Button
                    variant="danger"
                    busy={signOut.running === s.id}
                    onClick={() => revoke(s.id)}
                    aria-label={`Sign out session ${s.id}`}
                  >
                    Sign out
                  </Button>
                </span>
              )}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
