import { NavLink, Outlet, useParams } from 'react-router';
import { PageHeader } from '../ui/page-header.js';

const TABS = [
  ['members', 'Users'],
  ['roles', 'Roles'],
  ['api-keys', 'API keys'],
  ['sessions', 'Sessions'],
  ['devices', 'Client devices'],
  ['device-cas', 'Device certificates'],
  ['sso', 'Single sign-on'],
] as const;

/**
 * Access management: users, roles, API keys, sessions, client devices, device certificates and single sign-on, one
 * tab each.
 */
export function AccessPage() {
  const { orgId = '' } = useParams();
  return (
    <>
      <PageHeader
        title="Access"
        description="Who is in this organisation, what each role may do, and the keys, sessions and devices that act for them."
      />
      <nav className="tabs" aria-label="Access">
        {TABS.map(([path, label]) => (
          <NavLink key={path} to={`/orgs/${orgId}/access/${path}`}>
            {label}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </>
  );
}
