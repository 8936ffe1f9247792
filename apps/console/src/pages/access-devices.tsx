import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { fieldErrorsOf } from '../api/problem.js';
import type { Page } from '../api/types.js';
import { timeAgo } from '../lib/format.js';
import { useApi } from '../shell/session.js';
import { isMissingRoute, useLoad } from '../shell/use-load.js';
import { ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { TextField } from '../ui/field.js';
import { EmptyState } from '../ui/empty-state.js';
import { Loading } from '../ui/loading.js';

/** A client device as the devices API shows it (the fields the page uses). */
interface DeviceView {
  readonly id: string;
  readonly name: string;
  readonly address?: string;
  readonly lastHandshakeAt: string | null;
}

/** A device's wg-quick config and its QR code. */
interface DeviceConfig {
  readonly config: string;
  readonly qrPng: string;
}

/** Client devices (VPN mode): create one, download its config, show its QR code for the mobile apps. */
export function DevicesTab() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const base = `/api/v1/orgs/${orgId}`;
  const devices = useLoad((signal) => api.get<Page<DeviceView>>(`${base}/devices?limit=200`, { signal }), [base]);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [shown, setShown] = useState<(DeviceConfig & { name: string }) | undefined>(undefined);

  if (isMissingRoute(devices.error)) {
    return (
      <EmptyState title="Client devices are not available in this version">
        Once this admin manages WireGuard client devices, you can create one here and scan its QR code.
      </EmptyState>
    );
  }
  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const device = await api.request<DeviceView & Partial<DeviceConfig>>('POST', `${base}/devices`, { name });
      const config =
        device.config === undefined
          ? await api.get<DeviceConfig>(`${base}/devices/${device.id}/config`)
          : (device as DeviceConfig);
      setShown({ ...config, name: device.name });
      setName('');
      devices.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const show = async (device: DeviceView) => {
    setError(undefined);
    try {
      setShown({ ...(await api.get<DeviceConfig>(`${base}/devices/${device.id}/config`)), name: device.name });
    } catch (err) {
      setError(err);
    }
  };
  const fields = fieldErrorsOf(error);
  const download =
    shown === undefined ? undefined : URL.createObjectURL(new Blob([shown.config], { type: 'text/plain' }));

  return (
    <>
      <section className="card form" aria-labelledby="new-device">
        <h2 id="new-device">Add a device</h2>
        <form onSubmit={(e) => void create(e)} noValidate>
          {error !== undefined && Object.keys(fields).length === 0 ? <ErrorBanner error={error} /> : null}
          <TextField
            label="Device name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={fields.name}
            placeholder="laptop"
            required
          />
          <Button type="submit" variant="primary" busy={busy}>
            Create device
          </Button>
        </form>
      </section>
      {shown === undefined ? null : (
        <section className="card device-config" aria-labelledby="device-config">
          <h2 id="device-config">WireGuard config of “{shown.name}”</h2>
          <img
            className="qr"
            src={`data:image/png;base64,${shown.qrPng}`}
            alt={`QR code of the WireGuard config of ${shown.name}`}
            width={220}
            height={220}
          />
          <pre className="secret-value">{shown.config}</pre>
          <a className="btn btn-secondary" href={download} download={`${shown.name}.conf`}>
            Download {shown.name}.conf
          </a>
        </section>
      )}
      {devices.error === undefined ? null : <ErrorBanner error={devices.error} title="Could not load the devices" />}
      {devices.data === undefined && devices.error === undefined ? <Loading /> : null}
      {devices.data !== undefined && devices.data.items.length === 0 ? (
        <EmptyState title="No devices yet">Add one above to connect a laptop or phone.</EmptyState>
      ) : null}
      {devices.data === undefined || devices.data.items.length === 0 ? null : (
        <ul className="status-list">
          {devices.data.items.map((d) => (
            <li key={d.id}>
              <span className="status-name">{d.name}</span>
              <span className="status-detail">last handshake {timeAgo(d.lastHandshakeAt)}</span>
              <Button variant="ghost" onClick={() => void show(d)}>
                Config and QR code
              </Button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
