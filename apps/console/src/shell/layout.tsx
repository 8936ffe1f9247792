import { useEffect, useState } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate, useParams } from 'react-router';
import { rememberOrg } from '../lib/sso.js';
import { Button } from '../ui/button.js';
import { EmptyState } from '../ui/empty-state.js';
import { useMe } from './me.js';
import { useApi } from './session.js';

const SECTIONS = [
  ['dashboard', 'Dashboard'],
  ['resources', 'Resources'],
  ['policies', 'Policies'],
  ['sites', 'Sites'],
  ['gateways', 'Gateways'],
  ['access', 'Access'],
  ['audit', 'Audit log'],
  ['monitor', 'Live monitor'],
] as const;

/** The frame of every org page: header with the organisation switcher and the user, navigation, content. */
export function OrgLayout() {
  const { orgId = '' } = useParams();
  const { me } = useMe();
  const api = useApi();
  const navigate = useNavigate();
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  useEffect(() => setMenuOpen(false), [location.pathname]);

  const membership = me.memberships.find((m) => m.orgId === orgId);
  // The login page shows this organisation's single sign-on buttons next time.
  useEffect(() => {
    if (membership !== undefined) rememberOrg(orgId);
  }, [membership, orgId]);
  const switchOrg = (next: string) => {
    // Same section in the other organisation (object pages make no sense there).
    const section = location.pathname.split('/')[3] ?? 'dashboard';
    void navigate(`/orgs/${next}/${section}`);
  };
  const signOut = () => {
    setSigningOut(true);
    void api
      .request('POST', '/api/v1/auth/logout')
      .catch(() => undefined)
      .finally(() => window.location.assign('/login'));
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href={`/orgs/${orgId}/dashboard`} aria-label="Rustronaut home">
          <span className="brand-mark" aria-hidden="true">
            R
          </span>
          <span className="brand-name">Rustronaut</span>
        </a>
        <div className="org-switcher">
          <label htmlFor="org-switcher">Organisation</label>
          <select id="org-switcher" value={orgId} onChange={(e) => switchOrg(e.target.value)}>
            {me.memberships.map((m) => (
              <option key={m.orgId} value={m.orgId}>
                {m.orgName}
              </option>
            ))}
          </select>
        </div>
        <div className="user">
          <Link className="user-email" to={`/orgs/${orgId}/account`} title={`Your account: ${me.user.email}`}>
            {me.user.email}
          </Link>
          <Button variant="ghost" onClick={signOut} busy={signingOut}>
            Sign out
          </Button>
        </div>
        <Button
          variant="ghost"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </Button>
      </header>
      <div className="body">
        <nav id="nav" className={`nav${menuOpen ? ' nav-open' : ''}`} aria-label="Sections">
          <ul>
            {SECTIONS.map(([path, label]) => (
              <li key={path}>
                <NavLink to={`/orgs/${orgId}/${path}`}>{label}</NavLink>
              </li>
            ))}
          </ul>
          <ul className="nav-extra">
            <li>
              <NavLink to={`/orgs/${orgId}/account`}>Your account</NavLink>
            </li>
            <li>
              <Link to="/orgs/new">New organisation</Link>
            </li>
          </ul>
        </nav>
        <main id="main" className="main" tabIndex={-1}>
          {membership === undefined ? (
            <EmptyState title="You are not a member of this organisation">
              Pick one of yours in the organisation switcher, or ask an owner to add you.
            </EmptyState>
          ) : (
            <Outlet />
          )}
        </main>
      </div>
    </div>
  );
}
