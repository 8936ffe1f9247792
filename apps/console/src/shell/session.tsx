import { createContext, useContext, useMemo, useRef, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { createApiClient, type ApiClient } from '../api/client.js';
import { loginUrl } from '../lib/next-path.js';

const ApiContext = createContext<ApiClient | undefined>(undefined);

/**
 * Provides the API client. When the session is gone (a 401 a refresh did not cure), it sends the user to the login
 * page with the way back to where they were.
 */
export function ApiProvider({ children }: { children: ReactNode }) {
  const navigate = useNavigate();
  const navigateRef = useRef(navigate);
  navigateRef.current = navigate;
  const api = useMemo(
    () =>
      createApiClient({
        onSignedOut: () => {
          const { pathname, search } = window.location;
          if (pathname === '/login' || pathname === '/setup') return;
          void navigateRef.current(loginUrl(`${pathname}${search}`), { replace: true });
        },
      }),
    [],
  );
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

/** The API client. */
export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (api === undefined) throw new Error('useApi outside ApiProvider');
  return api;
}
