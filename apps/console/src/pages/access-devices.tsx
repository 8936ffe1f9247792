import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import type { DeviceConfigView, DeviceCreatedView, DeviceView, Page, SiteView } from '../api/types.js';
import { timeAgo } from '../lib/format.js';
import { useApi } from '../shell/session.js';
import { useAction } from '../shell/use-action.js';
import { useLoad } from '../shell/use-load.js';
import { Banner, ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { TextField } from '../ui/field.js';
import { EmptyState } from '../ui/empty-state.js';
import { Loading } from '../ui/loading.js';

/** The config on screen: of a new device (with its generated private key, this once) or of an existing one. */
interface ShownConfig extends DeviceConfigView {
  readonly name: string;
  readonly withPrivateKey: boolean;
}

/** Client devices (VPN mode): create one, download its config, show its QR code for the mobile apps; delete. */
export function DevicesTab() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const base = `/api/v1/orgs/${orgId}`;
  const devices = useLoad((signal) => api.get<Page<DeviceView>>(`${base}/devices?limit=200`, { signal }), [base]);
  const sites = useLoad((signal) => api.get<Page<SiteView>>(`${base}/sites?limit=200`, { signal }), [base]);
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [siteIds, setSiteIds] = useState<string[]>([]);
  const [shown, setShown] = useState<ShownConfig | undefined>(undefined);
  const adding = useAction();
  const rows = useAction();

  const create = (event: FormEvent) => {
    event.preventDefault();
    void adding.run(async () => {
      const created = await api.request<DeviceCreatedView>('POST', `${base}/devices`, {
        name,
        siteIds,
        ...(publicKey.trim() === '' ? {} : { publicKey: publicKey.trim() }),
      });
      setShown({ ...created.config, name: created.device.name, withPrivateKey: publicKey.trim() === '' });
      setName('');
      setPublicKey('');
      setSiteIds([]);
      devices.reload();
    });
  };
  const show = (device: DeviceView) =>
    void rows.run(async () => {
      const config = await api.get<DeviceConfigView>(`${base}/devices/${device.id}/config`);
      setShown({ ...config, name: device.name, withPrivateKey: false });
    }, device.id);
  const remove = (device: DeviceView) =>
    void rows.run(async () => {
      await api.request('DELETE', `${base}/devices/${device.id}`);
      if (shown?.name === device.name) setShown(undefined);
      devices.reload();
    }, device.id);
  const { fields, error } = adding;
  const siteNames = new Map((sites.data?.items ?? []).map((s) => [s.id, s.name]));
  const configText = shown?.config;
  const download = useMemo(
    () => (configText === undefined ? undefined : URL.createObjectURL(new Blob([configText], { type: 'text/plain' }))),
    [configText],
  );
  useEffect(() => () => (download === undefined ? undefined : URL.revokeObjectURL(download)), [download]);

  return (
    <>
      <section className="card form" aria-labelledby="new-device">
        <h2 id="new-device">Add a device</h2>
        <p className="muted">
          A laptop or phone of yours that reaches the targets of the sites you pick through the organisation’s tunnel
          hub, with the WireGuard app. The hub lets it through to those sites and nowhere else.
        </p>
        <form onSubmit={create} noValidate>
          {error !== undefined && Object.keys(fields).length === 0 ? (
            <ErrorBanner error={error} title="Device not created" />
          ) : null}
          <div className="form-grid">
            <TextField
              label="Device name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              error={fields.name}
              placeholder="laptop"
              required
            />
            <TextField
              label="WireGuard public key (optional)"
              hint="Leave empty to have a key pair made for you; its private key is shown only once."
              value={publicKey}
              onChange={(e) => setPublicKey(e.target.value)}
              error={fields.publicKey}
              autoComplete="off"
              spellCheck={false}
            />
          </div>
          <fieldset>
            <legend>Sites it may reach</legend>
            {sites.data === undefined ? (
              <ErrorBanner error={sites.error} title="Could not load the sites" />
            ) : sites.data.items.length === 0 ? (
              <p className="muted">No sites yet: the device reaches the hub only.</p>
            ) : (
              <div className="permission-grid">
                {sites.data.items.map((s) => (
                  <label key={s.id} className="check">
                    <input
                      type="checkbox"
                      checked={siteIds.includes(s.id)}
                      onChange={(e) =>
                        setSiteIds((ids) => (e.target.checked ? [...ids, s.id] : ids.filter((id) => id !== s.id)))
                      }
                    />
                    {s.name}
                  </label>
                ))}
              </div>
            )}
            {fields.siteIds === undefined ? null : <p className="field-error">{fields.siteIds}</p>}
          </fieldset>
          <Button type="submit" variant="primary" busy={adding.running !== undefined}>
            Create device
          </Button>
        </form>
      </section>
      {shown === undefined ? null : (
        <section className="card device-config" aria-labelledby="device-config">
          <h2 id="device-config">WireGuard config of “{shown.name}”</h2>
          {shown.withPrivateKey ? (
            <Banner tone="warning" title="Save it now">
              This config holds the device’s private key. It is shown only now and never stored: download it or scan the
              QR code before you leave this page.
            </Banner>
          ) : null}
          <img
            className="qr"
            src={`data:image/png;base64,${shown.qrPng}`}
            alt={`QR code of the WireGuard config of ${shown.name}`}
            width={220}
            height={220}
          />
          <pre className="secret-value" tabIndex={0} aria-label="WireGuard config">
            {shown.config}
          </pre>
          <a className="btn btn-secondary" href={download} download={`${shown.name}.conf`}>
            Download {shown.name}.conf
          </a>
        </section>
      )}
      <ErrorBanner error={devices.error} title="Could not load the devices" />
      <ErrorBanner error={rows.error} title="That did not work" />
      {devices.data === undefined && devices.error === undefined ? <Loading /> : null}
      {devices.data !== undefined && devices.data.items.length === 0 ? (
        <EmptyState title="No devices yet">Add one above to connect a laptop or phone.</EmptyState>
      ) : null}
      {devices.data === undefined || devices.data.items.length === 0 ? null : (
        <ul className="status-list">
          {devices.data.items.map((d) => (
            <li key={d.id}>
              <span className="status-name">{d.name}</span>
              <span className="status-detail">
                {d.tunnelAddress} · last handshake {timeAgo(d.lastHandshakeAt)}
                {d.siteIds.length === 0
                  ? ''
                  : ` · reaches ${d.siteIds
                      .map((id) => siteNames.get(id) ?? (sites.data === undefined ? '…' : 'a deleted site'))
                      .join(', ')}`}
                {d.targets.length === 0 ? '' : ` · ${d.targets.map((t) => `${t.name} at ${t.address}`).join(', ')}`}
              </span>
              <span className="row-actions">
                <Button
                  variant="ghost"
                  busy={rows.running === d.id}
                  onClick={() => show(d)}
                  aria-label={`Config and QR code of ${d.name}`}
                >
                  Config and QR code
                </Button>
                <Button variant="ghost" onClick={() => remove(d)} aria-label={`Delete ${d.name}`}>
                  Delete
                </Button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
