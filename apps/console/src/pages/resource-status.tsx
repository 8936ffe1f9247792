import { Link } from 'react-router';
import type { CertificateStatusView, Page, ResourceView, SiteTargetView, SiteView } from '../api/types.js';
import { formatTime, timeAgo } from '../lib/format.js';
import { useApi } from '../shell/session.js';
import { useLoad } from '../shell/use-load.js';
import { Badge } from '../ui/badge.js';
import { ErrorBanner } from '../ui/banner.js';
import { Loading } from '../ui/loading.js';

const HEALTH_TONE = { up: 'ok', down: 'bad', unknown: 'neutral' } as const;
const HEALTH_LABEL = { up: 'Up', down: 'Down', unknown: 'Unknown' } as const;
const CERT_TONE = { valid: 'ok', uploaded: 'ok', pending: 'warn', failed: 'bad' } as const;
const CERT_LABEL = { valid: 'ACME', uploaded: 'Uploaded', pending: 'Built-in CA', failed: 'ACME failing' } as const;

/** `host:port` of an HTTP target URL (default ports filled in), as site targets name the service. */
const hostPortOf = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port === '' ? (u.protocol === 'https:' ? '443' : '80') : u.port}`;
  } catch {
    return url;
  }
};

/** A saved resource's targets with their health, its certificate state (HTTP), and a link to the policy editor. */
export function ResourceStatus({
  orgId,
  resource,
  site,
}: {
  orgId: string;
  resource: ResourceView;
  site: SiteView | undefined;
}) {
  const api = useApi();
  const base = `/api/v1/orgs/${orgId}`;
  const siteId = resource.siteId;
  const targets = useLoad(
    (signal) =>
      siteId === null
        ? Promise.resolve(undefined)
        : api.get<Page<SiteTargetView>>(`${base}/site-targets?siteId=${siteId}&limit=200`, { signal }),
    [base, siteId],
    10_000,
  );
  const certificates = useLoad(
    (signal) =>
      resource.kind === 'http'
        ? api.get<Page<CertificateStatusView>>(`${base}/certificates?limit=200`, { signal })
        : Promise.resolve(undefined),
    [base, resource.kind],
  );
  const health = new Map((targets.data?.items ?? []).map((t) => [`${t.host}:${String(t.port)}`, t]));
  const rows =
    resource.kind === 'http'
      ? resource.targets.map((t) => ({ label: t.url, key: hostPortOf(t.url) }))
      : resource.targets.map((t) => ({ label: `${t.host}:${String(t.port)}`, key: `${t.host}:${String(t.port)}` }));
  const certificate = certificates.data?.items.find((c) => c.host === resource.host);

  return (
    <>
      <section className="section" aria-labelledby="targets-health">
        <h2 id="targets-health">Targets</h2>
        <ErrorBanner error={targets.error} title="Could not load the health of the site's targets" />
        <ul className="status-list">
          {rows.map(({ label, key }) => {
            const target = health.get(key);
            return (
              <li key={label}>
                {site === undefined ? (
                  <Badge tone="neutral">Direct</Badge>
                ) : target === undefined ? (
                  <Badge tone="bad">Not a target</Badge>
                ) : (
                  <Badge tone={HEALTH_TONE[target.health]}>{HEALTH_LABEL[target.health]}</Badge>
                )}
                <span className="status-name mono">{label}</span>
                <span className="status-detail">
                  {site === undefined
                    ? 'reached by the gateway directly; its health shows in the gateway’s /metrics'
                    : target === undefined
                      ? `no target ${key} at ${site.name}: add it under Sites, or the gateway leaves this resource out`
                      : `via ${site.name} (${site.online ? 'online' : 'offline'}, seen ${timeAgo(site.lastSeenAt)}) · as the connector last checked`}
                </span>
              </li>
            );
          })}
        </ul>
        <p className="muted">
          Try who may reach it in the{' '}
          <Link to={`/orgs/${orgId}/policies${resource.policyId === null ? '' : `/${resource.policyId}`}`}>
            policy editor
          </Link>
          .
        </p>
      </section>
      {resource.kind !== 'http' ? null : (
        <section className="section" aria-labelledby="certificate">
          <h2 id="certificate">Certificate</h2>
          <ErrorBanner error={certificates.error} title="Could not load the certificate state" />
          {certificates.data === undefined && certificates.error === undefined ? <Loading /> : null}
          {certificates.data === undefined ? null : certificate === undefined ? (
            <p className="muted">No certificate state for {resource.host} yet: gateways serve the built-in CA’s.</p>
          ) : (
            <div className="card">
              <p>
                <Badge tone={CERT_TONE[certificate.status]}>{CERT_LABEL[certificate.status]}</Badge>{' '}
                <span className="mono">{certificate.host}</span>
              </p>
              <dl className="facts">
                <dt>Served</dt>
                <dd>
                  {certificate.serving === null
                    ? 'nothing yet'
                    : certificate.serving === 'builtin'
                      ? 'from the built-in CA (browsers warn until ACME issues one)'
                      : certificate.serving === 'acme'
                        ? 'issued by ACME'
                        : 'uploaded'}
                  {certificate.notAfter === null ? '' : `, valid until ${formatTime(certificate.notAfter)}`}
                </dd>
                <dt>ACME</dt>
                <dd>
                  {!certificate.acme
                    ? 'not managing this host'
                    : certificate.renewAt === null
                      ? 'managing this host'
                      : `renews ${formatTime(certificate.renewAt)}`}
                </dd>
                {certificate.failures === 0 ? null : (
                  <>
                    <dt>Failures</dt>
                    <dd>
                      {certificate.failures} in a row
                      {certificate.lastAttemptAt === null ? '' : `, last ${timeAgo(certificate.lastAttemptAt)}`}
                      {certificate.nextAttemptAt === null ? '' : `; next try ${formatTime(certificate.nextAttemptAt)}`}
                    </dd>
                    <dt>Last error</dt>
                    <dd className="mono">{certificate.lastError ?? 'not recorded'}</dd>
                  </>
                )}
              </dl>
            </div>
          )}
        </section>
      )}
    </>
  );
}
