import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import type { DeviceCaView, Page } from '../api/types.js';
import { formatTime } from '../lib/format.js';
import { useApi } from '../shell/session.js';
import { useAction } from '../shell/use-action.js';
import { useLoad } from '../shell/use-load.js';
import { ErrorBanner } from '../ui/banner.js';
import { Button } from '../ui/button.js';
import { EmptyState } from '../ui/empty-state.js';
import { TextAreaField, TextField } from '../ui/field.js';
import { Loading } from '../ui/loading.js';

/**
 * Device certificates: the CAs whose certificates the gateway accepts from devices on resources that ask for one
 * (`options.clientCertificate`), and that policies name by fingerprint.
 */
export function DeviceCasTab() {
  const { orgId = '' } = useParams();
  const api = useApi();
  const base = `/api/v1/orgs/${orgId}/device-cas`;
  const cas = useLoad((signal) => api.get<Page<DeviceCaView>>(`${base}?limit=200`, { signal }), [base]);
  const [name, setName] = useState('');
  const [certificatePem, setCertificatePem] = useState('');
  const adding = useAction();
  const removing = useAction();

  const add = (event: FormEvent) => {
    event.preventDefault();
    void adding.run(async () => {
      await api.request('POST', base, { name, certificatePem });
      setName('');
      setCertificatePem('');
      cas.reload();
    });
  };
  const remove = (ca: DeviceCaView) =>
    void removing.run(async () => {
      await api.request('DELETE', `${base}/${ca.id}`);
      cas.reload();
    }, ca.id);
  const { fields, error } = adding;
  const items = cas.data?.items ?? [];

  return (
    <>
      <section className="section" aria-labelledby="device-ca-list">
        <h2 id="device-ca-list">Device certificate authorities</h2>
        <ErrorBanner error={cas.error} title="Could not load the device CAs" />
        <ErrorBanner error={removing.error} title="Not removed" />
        {cas.data === undefined && cas.error === undefined ? <Loading /> : null}
        {cas.data !== undefined && items.length === 0 ? (
          <EmptyState title="No device CAs yet">
            Add the CA that issues your devices’ certificates below. Then a resource can ask for a device certificate
            (required or optional), and its policies can allow only devices of this CA.
          </EmptyState>
        ) : null}
        {items.map((ca) => (
          <article key={ca.id} className="card" aria-labelledby={`device-ca-${ca.id}`}>
            <h3 id={`device-ca-${ca.id}`}>{ca.name}</h3>
            <dl className="facts">
              <dt>Subject</dt>
              <dd className="mono">{ca.subject}</dd>
              <dt>SHA-256 fingerprint</dt>
              <dd className="mono wrap">{ca.fingerprint}</dd>
              <dt>Valid until</dt>
              <dd>{formatTime(ca.notAfter)}</dd>
            </dl>
            <Button
              variant="danger"
              busy={removing.running === ca.id}
              onClick={() => remove(ca)}
              aria-label={`Remove ${ca.name}`}
            >
              Remove
            </Button>
          </article>
        ))}
      </section>
      <section className="card form" aria-labelledby="new-device-ca">
        <h2 id="new-device-ca">Trust a device CA</h2>
        <p className="muted">
          Paste the CA’s certificate only (PEM). Its private key stays with you: Rustronaut never needs it.
        </p>
        <form onSubmit={add} noValidate>
          {error !== undefined && Object.keys(fields).length === 0 ? (
            <ErrorBanner error={error} title="CA not added" />
          ) : null}
          <TextField
            label="CA name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={fields.name}
            placeholder="Corp devices"
            required
          />
          <TextAreaField
            label="CA certificate (PEM)"
            value={certificatePem}
            onChange={(e) => setCertificatePem(e.target.value)}
            error={fields.certificatePem}
            placeholder="-----BEGIN CERTIFICATE-----"
            rows={8}
            spellCheck={false}
            required
          />
          <Button type="submit" variant="primary" busy={adding.running !== undefined}>
            Add CA
          </Button>
        </form>
      </section>
    </>
  );
}
