import { useState } from 'react';
import { useParams } from 'react-router';
import type { MemberView, Page, SessionView } from '../api/types.js';
import { formatTime, timeAgo } from '../lib/format.js';
import { useMe } from '../shell/me.js';
import { useApi } from '../shell/session.js';
import { useLoad } from '../shell/use-load.js';
import { Badge } from '../ui/badge.js';
import { ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { EmptyState } from '../ui/empty-state.js';
import { Loading } from '../ui/loading.js';

/** Active sessions of the organisation's members; revoke one and it ends at once, everywhere. */
export function SessionsTab() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const { me } = useMe();
  const base = `/api/v1/orgs/${orgId}`;
  const sessions = useLoad(
    (signal) => api.get<Page<SessionView>>(`${base}/sessions?active=true&limit=200`, { signal }),
    [base],
  );
  // Emails for the user ids (without member:read, the ids stay).
  const members = useLoad((signal) => api.get<Page<MemberView>>(`${base}/members?limit=200`, { signal }), [base]);
  const emails = new Map((members.data?.items ?? []).map((m) => [m.userId, m.email]));
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);

  const revoke = async (id: string) => {
    setBusy(id);
    setError(undefined);
    try {
      await api.request('DELETE', `${base}/sessions/${id}`);
      sessions.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };
  if (sessions.error !== undefined) return <ErrorBanner error={sessions.error} title="Could not load the sessions" />;
  if (sessions.data === undefined) return <Loading />;
  if (sessions.data.items.length === 0) return <EmptyState title="No active sessions" />;
  return (
    <>
      <ErrorBanner error={error} title="Session not revoked" />
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">Active sessions</caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">From</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last active</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.data.items.map((s) => (
              <tr key={s.id}>
                <td data-label="User" className="mono">
                  <span>
                    {s.userId === me.user.id ? 'you ' : `${emails.get(s.userId) ?? s.userId.slice(0, 8)} `}
                    {s.id === me.sessionId ? <Badge tone="ok">This session</Badge> : null}
                  </span>
                </td>
                <td data-label="From">
                  <span>
                    {s.ip} <span className="muted">{s.userAgent.slice(0, 40)}</span>
                  </span>
                </td>
                <td data-label="Signed in">
                  <span>
                    {formatTime(s.createdAt)} <span className="muted">with {s.authMethod}</span>{' '}
                    {s.mfa ? <Badge tone="ok">2FA</Badge> : null}
                  </span>
                </td>
                <td data-label="Last active">{timeAgo(s.lastSeenAt)}</td>
                <td data-label="Actions">
                  <Button
                    variant="danger"
                    busy={busy === s.id}
                    onClick={() => void revoke(s.id)}
                    aria-label={`Revoke session ${s.id}`}
                  >
                    Revoke
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
