import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin, testDrivers, type TestAdmin } from '../../../test/harness.js';
import { recordAudit } from '../../audit/record-audit.js';
import { acceptsEventStream } from './routes.js';

/** A server-sent event as the stream frames it. */
interface SseEvent {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
}

/** Reads a `text/event-stream` body frame by frame (comments and `retry:` lines skipped). */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(): Promise<SseEvent | undefined> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of frame.split('\n')) {
            const colon = line.indexOf(':');
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
          const data = fields.get('data');
          if (data === undefined) continue;
          return { id: fields.get('id'), event: fields.get('event'), data };
        }
        const { value, done } = await reader.read();
        if (done) return undefined;
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

const STREAM_HEADERS = { accept: 'text/event-stream' };

describe('acceptsEventStream', () => {
  it('reads the Accept header', () => {
    expect(acceptsEventStream('text/event-stream')).toBe(true);
    expect(acceptsEventStream('text/html, Text/Event-Stream;q=0.5')).toBe(true);
    expect(acceptsEventStream('text/event-stream;q=0')).toBe(false);
    expect(acceptsEventStream('*/*')).toBe(false);
    expect(acceptsEventStream(undefined)).toBe(false);
  });
});

describe.each(testDrivers())('[$name] live monitor', (driver) => {
  let t: TestAdmin;
  let token: string;
  let streamUrl: string;

  beforeAll(async () => {
    // Streams of this admin end after 8 s: long enough for the other tests, short enough to wait for.
    t = await startTestAdmin(driver, {}, { monitor: { pollMs: 50, heartbeatMs: 100, maxStreamMs: 8000 } });
    token = await t.login(t.owner.email, t.owner.password);
    streamUrl = `${t.url}/api/v1/orgs/${t.owner.orgId}/monitor/stream`;
  });
  afterAll(() => t.close());

  const open = async (headers: Record<string, string> = {}) => {
    const res = await fetch(streamUrl, {
      headers: { ...STREAM_HEADERS, authorization: `Bearer ${token}`, ...headers },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    if (res.body === null) throw new Error('no body');
    return sseReader(res.body);
  };

  it('refuses a request that does not accept an event stream with 406', async () => {
    const res = await t.request('GET', `/api/v1/orgs/${t.owner.orgId}/monitor/stream`, { token });
    expect(res.status).toBe(406);
    expect(res.body.code).toBe('ERR_NOT_ACCEPTABLE');
  });

  it('streams audit events of the org as they are written, and only of that org', async () => {
    const stream = await open();
    const other = await t.otherOrg();
    await t.created(`/api/v1/orgs/${other.orgId}/sites`, { token: other.token, body: { name: 'elsewhere' } });
    const site = await t.created(`/api/v1/orgs/${t.owner.orgId}/sites`, { token, body: { name: 'lab' } });
    const event = await stream.next();
    expect(event?.event).toBe('audit');
    const data = JSON.parse(event?.data ?? '{}');
    expect(data).toMatchObject({ action: 'site.create', orgId: t.owner.orgId, target: { type: 'site', id: site.id } });
    expect(event?.id).toBe(String(data.seq));
    await stream.cancel();
  });

  it('replays what a resuming client missed after Last-Event-ID', async () => {
    const first = await open();
    await t.created(`/api/v1/orgs/${t.owner.orgId}/sites`, { token, body: { name: 'resume-a' } });
    const seen = await first.next();
    await first.cancel();
    await t.created(`/api/v1/orgs/${t.owner.orgId}/sites`, { token, body: { name: 'resume-b' } });
    await t.created(`/api/v1/orgs/${t.owner.orgId}/sites`, { token, body: { name: 'resume-c' } });
    const resumed = await open({ 'last-event-id': seen?.id ?? '' });
    const names = [await resumed.next(), await resumed.next()].map(
      (e) => (JSON.parse(e?.data ?? '{}') as { data?: { name?: string } }).data?.name,
    );
    expect(names).toEqual(['resume-b', 'resume-c']);
    await resumed.cancel();
  });

  it('ends open streams when the admin shuts down', async () => {
    const admin = await startTestAdmin(driver, {}, { monitor: { pollMs: 50 } });
    const ownerToken = await admin.login(admin.owner.email, admin.owner.password);
    const res = await fetch(`${admin.url}/api/v1/orgs/${admin.owner.orgId}/monitor/stream`, {
      headers: { ...STREAM_HEADERS, authorization: `Bearer ${ownerToken}` },
    });
    if (res.body === null) throw new Error('no body');
    const stream = sseReader(res.body);
    await admin.close();
    expect(await stream.next()).toBeUndefined();
  });

  it('ends a stream after its maximum age (the client reconnects and is authenticated again)', async () => {
    const stream = await open();
    expect(await stream.next()).toBeUndefined();
  });

  it('summarises recent access decisions: requests/s, denials, 5xx errors, top resources', async () => {
    const { orgId } = await t.otherOrg({ email: 'summary@example.com', slug: 'summary' });
    const owner = await t.newMember(['viewer'], { orgId });
    const decision = (action: string, resource: string, status: number) =>
      t.ctx.db.transaction((tx) =>
        recordAudit(tx, {
          orgId,
          actor: { type: 'agent', id: null },
          action,
          targetType: 'resource',
          targetId: resource,
          data: { host: `${resource}.example.com`, path: '/', method: 'GET', status },
        }),
      );
    await decision('access.allowed', 'grafana', 200);
    await decision('access.allowed', 'grafana', 502);
    await decision('access.denied', 'grafana', 403);
    await decision('access.blocked', 'grafana', 403);
    await decision('access.allowed', 'wiki', 200);
    await decision('resource.create', 'noise', 0);
    const res = await t.request('GET', `/api/v1/orgs/${orgId}/monitor/summary?windowSeconds=60`, {
      token: owner.token,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      windowSeconds: 60,
      requests: 5,
      requestsPerSecond: 5 / 60,
      denied: 2,
      errors: 1,
      errorRate: 0.2,
      topResources: [
        { resource: 'grafana', host: 'grafana.example.com', requests: 4, denied: 2 },
        { resource: 'wiki', host: 'wiki.example.com', requests: 1, denied: 0 },
      ],
    });
    // Outside the window, nothing counts.
    t.advance(120_000);
    const later = await t.request('GET', `/api/v1/orgs/${orgId}/monitor/summary?windowSeconds=60`, {
      token: owner.token,
    });
    expect(later.body).toMatchObject({ requests: 0, errorRate: 0, topResources: [] });
  });
});
