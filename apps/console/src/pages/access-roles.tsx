import { useParams } from 'react-router';
import type { Page, RoleView } from '../api/types.js';
import { useApi } from '../shell/session.js';
import { useLoad } from '../shell/use-load.js';
import { ErrorBanner } from '../ui/banner.js';
import { Loading } from '../ui/loading.js';

/** The permission table: one row a permission, one column a role. */
export function RolesTab() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const roles = useLoad(
    (signal) => api.get<Page<RoleView>>(`/api/v1/orgs/${orgId}/roles?limit=200`, { signal }),
    [orgId],
  );
  if (roles.error !== undefined) return <ErrorBanner error={roles.error} title="Could not load the roles" />;
  if (roles.data === undefined) return <Loading />;
  const list = roles.data.items;
  const permissions = [...new Set(list.flatMap((r) => r.permissions))].sort();
  return (
    <div className="table-wrap table-scroll">
      <table className="table table-matrix">
        <caption>
          What each role may do ({list.filter((r) => r.builtIn).length} built-in,{' '}
          {list.filter((r) => !r.builtIn).length} custom)
        </caption>
        <thead>
          <tr>
            <th scope="col">Permission</th>
            {list.map((r) => (
              <th scope="col" key={r.id}>
                {r.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {permissions.map((p) => (
            <tr key={p}>
              <th scope="row" className="mono">
                {p}
              </th>
              {list.map((r) => (
                <td key={r.id} className="matrix-cell">
                  {r.permissions.includes(p) ? (
                    <span aria-label="yes">✓</span>
                  ) : (
                    <span aria-label="no" className="muted">
                      ·
                    </span>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
