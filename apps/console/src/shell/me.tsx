import { createContext, useContext, type ReactNode } from 'react';
import { Outlet } from 'react-router';
import type { Me } from '../api/types.js';
import { Banner, ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { Loading } from '../ui/loading.js';
import { useApi } from './session.js';
import { useLoad } from './use-load.js';

const MeContext = createContext<{ me: Me; reload: () => void } | undefined>(undefined);

/** The signed-in user: pages below it render only once `/api/v1/me` answered (else the login page takes over). */
export function RequireSession({ children }: { children?: ReactNode }) {
  const api = useApi();
  const me = useLoad((signal) => api.get<Me>('/api/v1/me', { signal }), []);
  if (me.data === undefined) {
    if (me.error === undefined || me.loading) return <Loading label="Checking your session…" />;
    return (
      <main className="centered">
        <ErrorBanner error={me.error} title="The console cannot reach the admin API" />
        <Banner tone="info">
          <Button onClick={me.reload}>Try again</Button>
        </Banner>
      </main>
    );
  }
  return <MeContext.Provider value={{ me: me.data, reload: me.reload }}>{children ?? <Outlet />}</MeContext.Provider>;
}

/** The signed-in user and a way to reload them (after creating an organisation, say). */
export function useMe(): { me: Me; reload: () => void } {
  const value = useContext(MeContext);
  if (value === undefined) throw new Error('useMe outside RequireSession');
  return value;
}
