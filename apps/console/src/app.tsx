import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { AccessPage } from './pages/access.js';
import { AccountPage } from './pages/account.js';
import { ApiKeysTab } from './pages/access-api-keys.js';
import { DevicesTab } from './pages/access-devices.js';
import { DeviceCasTab } from './pages/access-device-cas.js';
import { MembersTab } from './pages/access-members.js';
import { RolesTab } from './pages/access-roles.js';
import { SessionsTab } from './pages/access-sessions.js';
import { SsoTab } from './pages/access-sso.js';
import { AuditPage } from './pages/audit.js';
import { DashboardPage } from './pages/dashboard.js';
import { GatewaysPage } from './pages/gateways.js';
import { CreateOrgPage, HomePage } from './pages/home.js';
import { LoginPage } from './pages/login.js';
import { MonitorPage } from './pages/monitor.js';
import { NotFoundPage } from './pages/not-found.js';
import { PoliciesPage } from './pages/policies.js';
import { ResourceEditPage } from './pages/resource-edit.js';
import { ResourcesPage } from './pages/resources.js';
import { SetupPage } from './pages/setup.js';
import { SitesPage } from './pages/sites.js';
import { OrgLayout } from './shell/layout.js';
import { RequireSession } from './shell/me.js';
import { ApiProvider } from './shell/session.js';

/** Every page of the console and its address. */
export function App() {
  return (
    <BrowserRouter>
      <ApiProvider>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/setup" element={<SetupPage />} />
          <Route element={<RequireSession />}>
            <Route index element={<HomePage />} />
            <Route path="orgs/new" element={<CreateOrgPage />} />
            <Route path="orgs/:orgId" element={<OrgLayout />}>
              <Route index element={<Navigate to="dashboard" replace />} />
              <Route path="dashboard" element={<DashboardPage />} />
              <Route path="resources" element={<ResourcesPage />} />
              <Route path="resources/new" element={<ResourceEditPage />} />
              <Route path="resources/:resourceId" element={<ResourceEditPage />} />
              <Route path="policies" element={<PoliciesPage />} />
              <Route path="policies/:policyId" element={<PoliciesPage />} />
              <Route path="sites" element={<SitesPage />} />
              <Route path="gateways" element={<GatewaysPage />} />
              <Route path="access" element={<AccessPage />}>
                <Route index element={<Navigate to="members" replace />} />
                <Route path="members" element={<MembersTab />} />
                <Route path="roles" element={<RolesTab />} />
                <Route path="api-keys" element={<ApiKeysTab />} />
                <Route path="sessions" element={<SessionsTab />} />
                <Route path="devices" element={<DevicesTab />} />
                <Route path="device-cas" element={<DeviceCasTab />} />
                <Route path="sso" element={<SsoTab />} />
              </Route>
              <Route path="audit" element={<AuditPage />} />
              <Route path="monitor" element={<MonitorPage />} />
              <Route path="account" element={<AccountPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Route>
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </ApiProvider>
    </BrowserRouter>
  );
}
