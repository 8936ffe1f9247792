/**
 * The console in a real Chromium (Debian's `chromium`, driven by playwright-core) against a real admin on PGlite
 * with its control channel, and a real gateway process (`rustronaut gateway --admin`) enrolled through the API:
 * acceptance 1, 2, 3, 4 and 5 of the console issue. One browser for the file; pages are reused.
 * Screenshots go to artifacts/screenshots/ (git-ignored).
 */
import { freePorts, makeTempDir, startHttpUpstream, type HttpUpstream, type TempDir } from '@rustronaut/testkit';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import { toString as renderQr } from 'qrcode';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin, testDrivers, type TestAdmin } from '../../apps/admin/test/harness.js';
import { totpCode } from '../../apps/admin/src/auth/totp.js';
import { recordAcmeFailures } from '../../apps/admin/test/acme-state.js';
import { selfSignedCaPem } from '../../apps/admin/test/self-signed-ca.js';
import { addReportedHub } from '../../apps/admin/test/openapi-world.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { launchChromium, requireChromium } from './chromium.js';
import { CLI } from './cli-process.js';

const SCREENSHOTS = new URL('../../artifacts/screenshots/', import.meta.url);
const CONSOLE_BUNDLE = new URL('../../apps/console/dist/index.html', import.meta.url);
const SIZES = [
  { width: 1280, height: 800 },
  { width: 375, height: 812 },
] as const;

const haveChromium = requireChromium('the console browser tests');

/** A shell running a command line in its own process group, with what it printed. */
interface ShellProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** Runs `line` with `sh -c` and only PATH and `env` in its environment, as the leader of a new process group. */
function runShell(line: string, env: Record<string, string>): ShellProcess {
  const child = spawn('sh', ['-c', line], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

describe.skipIf(!haveChromium)('console in Chromium', () => {
  let t: TestAdmin;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let ownerToken: string;
  let orgPath: string;
  let tmp: TempDir;
  let upstream: HttpUpstream;
  /** The gateway process, started by the command the Gateways page shows (in a shell, as an operator would). */
  let gateway: ShellProcess | undefined;
  let gatewayPort: number;
  /** The Authorization header of an API key, for requests through the gateway. */
  let probe: Record<string, string> = {};
  /** An OpenID provider (`oidc-provider`, the certified Node.js OP) for the single sign-on test. */
  let op: Server | undefined;
  const pageErrors: string[] = [];
  /** Every admin API call the console made, as `METHOD /path`: checked against the OpenAPI document at the end. */
  const apiCalls = new Set<string>();
  /** Records the context's API calls; waits of its pages fail after 10 s, naming what they waited for. */
  const recordCalls = (c: BrowserContext) => {
    c.setDefaultTimeout(10_000);
    c.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/')) apiCalls.add(`${r.method()} ${url.pathname}`);
    });
  };

  /** A request through the gateway (a Host header, which fetch cannot set); resolves with the status. */
  const throughGateway = (host: string, path: string, headers: Record<string, string> = {}) =>
    new Promise<number>((resolve, reject) => {
      const all = { host, accept: 'application/json', ...headers };
      const req = httpRequest({ host: '127.0.0.1', port: gatewayPort, path, headers: all }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  /**
   * Waits until `host` answers `status` at the gateway: the route arrives with the next config snapshot (404 until
   * then), and the gateway process may still be enrolling (no answer).
   */
  const routed = async (host: string, status: number) => {
    const until = Date.now() + 60_000;
    while ((await throughGateway(host, '/').catch(() => 0)) !== status) {
      if (Date.now() > until) throw new Error(`${host} did not answer ${String(status)}:\n${gateway?.output() ?? ''}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** Full-page pictures at both sizes, in the light and the dark theme (the console follows the system's). */
  const shoot = async (target: Page, name: string) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const colorScheme of ['light', 'dark'] as const) {
      await target.emulateMedia({ colorScheme });
      for (const size of SIZES) {
        await target.setViewportSize(size);
        // From the top, so the sticky header sits where it belongs in a full-page picture.
        await target.evaluate('window.scrollTo(0, 0)');
        // Let the layout settle at the new width before the picture.
        await target.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
        const theme = colorScheme === 'dark' ? '-dark' : '';
        await target.screenshot({
          path: new URL(`${name}${theme}-${String(size.width)}x${String(size.height)}.png`, SCREENSHOTS).pathname,
          fullPage: true,
        });
      }
    }
    await target.emulateMedia({ colorScheme: 'light' });
    await target.setViewportSize(SIZES[0]);
  };

  const signIn = async (target: Page, email: string, password: string) => {
    await target.getByLabel('Email').fill(email);
    await target.getByLabel('Password').fill(password);
    await target.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    if (!existsSync(CONSOLE_BUNDLE)) throw new Error('the console is not built: run `npm run build`');
    const [pglite] = testDrivers();
    if (pglite === undefined) throw new Error('no test driver');
    t = await startTestAdmin(pglite, {}, {}, { control: true });
    ownerToken = await t.login(t.owner.email, t.owner.password);
    orgPath = `/orgs/${t.owner.orgId}`;
    upstream = await startHttpUpstream({ name: 'wiki' });
    tmp = await makeTempDir('rustronaut-e2e-console-');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: SIZES[0], baseURL: t.url });
    recordCalls(context);
    // A tunnel hub that reported its key and endpoint, as `rustronaut tunnel` does: client devices need one.
    await addReportedHub(t, t.owner.orgId, 'hub-1');
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });
  afterAll(async () => {
    await browser?.close();
    op?.closeAllConnections();
    await new Promise((resolve) => (op === undefined ? resolve(undefined) : op.close(resolve)));
    if (gateway !== undefined) {
      // The shell's process group: the pipeline's `node` with it.
      process.kill(-(gateway.child.pid ?? 0), 'SIGTERM');
      await gateway.exited;
      // The shell ends at the signal; the gateway drains, then says so.
      for (let i = 0; i < 50 && !gateway.output().includes('"msg":"stopped"'); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!gateway.output().includes('"msg":"stopped"')) {
        process.stderr.write(`the gateway did not stop cleanly:\n${gateway.output()}\n`);
      }
    }
    await upstream?.close();
    await t?.close();
    await tmp?.remove();
  });

  it('5: the login page refuses a wrong password with a banner, then signs in to the dashboard', async () => {
    await page.goto('/');
    await page.waitForURL('**/login');
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in to Rustronaut' }).isVisible()).toBe(true);
    await signIn(page, t.owner.email, 'not the password');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Sign-in failed');
    await signIn(page, t.owner.email, t.owner.password);
    await page.waitForURL(`**${orgPath}/dashboard`);
    await page.getByRole('heading', { name: 'Gateways' }).waitFor();
    await page.getByText('Requests per second').waitFor();
  });

  it('1, 4: creates a resource with an upstream, lists it, shows a field error for an invalid edit, deletes it', async () => {
    await page.getByRole('link', { name: 'Resources', exact: true }).click();
    await page.getByText('No resources yet').waitFor();
    await page.getByRole('link', { name: 'New resource' }).click();
    await page.getByLabel('Name', { exact: true }).fill('grafana');
    await page.getByLabel('Host name').fill('grafana.example.com');
    await page.getByLabel('Targets').fill('http://10.0.0.5:3000');
    await page.getByRole('button', { name: 'Create resource' }).click();
    await page.waitForURL(new RegExp(`${orgPath}/resources/[0-9a-f-]{36}$`));
    await page.getByRole('link', { name: '← All resources' }).click();
    const row = page.getByRole('row').filter({ hasText: 'grafana.example.com' });
    await row.waitFor();
    expect(await row.textContent()).toContain('http://10.0.0.5:3000');
    // A second one, so the list looks like a list in the pictures.
    await t.created(`/api/v1/orgs/${t.owner.orgId}/resources`, {
      token: ownerToken,
      body: {
        name: 'wiki',
        kind: 'http',
        host: 'wiki.example.com',
        targets: [{ url: upstream.url }],
        options: { public: true },
      },
    });
    await page.reload();
    await page.getByRole('row').filter({ hasText: 'wiki.example.com' }).waitFor();
    await shoot(page, 'resources');

    // The search narrows the list (and survives in the URL).
    await page.getByLabel('Search by name or host').fill('wiki');
    await page.waitForURL('**/resources?q=wiki');
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'grafana' }).count()).toBe(0);
    await page.getByLabel('Search by name or host').fill('');

    await page.getByRole('link', { name: 'grafana' }).click();
    await page.getByLabel('Host name').fill('not a host!');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const hostError = page
      .locator('.field-invalid')
      .filter({ has: page.getByLabel('Host name') })
      .locator('.field-error');
    await hostError.waitFor();
    expect(await hostError.textContent()).not.toBe('');
    expect(await page.getByLabel('Host name').getAttribute('aria-invalid')).toBe('true');

    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('button', { name: 'Delete for good' }).click();
    await page.waitForURL(`**${orgPath}/resources`);
    await page.getByRole('row').filter({ hasText: 'wiki.example.com' }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'grafana' }).count()).toBe(0);
    const left = await t.request('GET', `/api/v1/orgs/${t.owner.orgId}/resources`, { token: ownerToken });
    expect((left.body as { items: { name: string }[] }).items.map((r) => r.name)).toEqual(['wiki']);

    // The resource page shows its certificate: here, ACME failing (the built-in CA's certificate is served meanwhile).
    await recordAcmeFailures(t, t.owner.orgId, 'wiki.example.com', 3, 'urn:ietf:params:acme:error:dns: NXDOMAIN');
    await page.getByRole('link', { name: 'wiki' }).click();
    const certificate = page.getByRole('region', { name: 'Certificate' });
    await certificate.getByText('ACME failing').waitFor();
    expect(await certificate.textContent()).toContain('3 in a row');
    expect(await certificate.textContent()).toContain('urn:ietf:params:acme:error:dns: NXDOMAIN');
    await page.getByRole('region', { name: 'Targets' }).getByText(upstream.url).waitFor();
  });

  it('4: the policy editor saves rules and tests access with the explain API', async () => {
    await page.getByRole('link', { name: 'Policies', exact: true }).click();
    await page.getByRole('link', { name: 'New policy' }).click();
    await page.getByLabel('Name', { exact: true }).fill('team');
    await page.getByLabel('Description').fill('Operators and admins, from the office');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('heading', { name: 'Test access' }).waitFor();
    await page.getByLabel('Roles (comma-separated)').fill('operator');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.locator('.explain-decision').getByText('Allowed').waitFor();
    await page.getByLabel('Roles (comma-separated)').fill('viewer');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.locator('.explain-decision').getByText('Denied').waitFor();
    await shoot(page, 'policy-editor');
    // Broken JSON is caught before it is sent.
    await page.getByLabel('Rules (JSON)').fill('[{"id": ');
    await page.locator('.field-error').getByText('not valid JSON').waitFor();
    expect(await page.getByRole('button', { name: 'Save policy' }).isDisabled()).toBe(true);
  });

  it('2: creates a site and shows how to connect it; creates an API key and shows it exactly once', async () => {
    await page.getByRole('link', { name: 'Sites', exact: true }).click();
    await page.getByLabel('Site name').fill('home-lab');
    await page.getByRole('button', { name: 'Create site' }).click();
    const connect = page.getByRole('region', { name: 'Connect “home-lab”' });
    await connect.waitFor();
    const sites = await t.request('GET', `/api/v1/orgs/${t.owner.orgId}/sites`, { token: ownerToken });
    expect((sites.body as { items: { name: string }[] }).items.map((site) => site.name)).toEqual(['home-lab']);
    // The one-time token goes to the connector on stdin, from the shell's builtin echo: never in an argv.
    expect(await connect.getByLabel('Connector command').textContent()).toMatch(
      new RegExp(
        `^echo 'rst_[A-Za-z0-9_-]{43}' \\| sudo rustronaut connector --admin ${t.url} --token-file /dev/stdin$`,
      ),
    );
    await page.getByRole('listitem').filter({ hasText: 'home-lab' }).getByText('Offline', { exact: true }).waitFor();
    // A lost token: a new one (the old one stops working), shown the same way.
    const first = await connect.getByLabel('Connector command').textContent();
    await page.getByRole('button', { name: 'New connector token for home-lab' }).click();
    await expect.poll(() => connect.getByLabel('Connector command').textContent()).not.toBe(first);
    expect(await connect.getByLabel('Connector command').textContent()).toMatch(
      /^echo 'rst_[A-Za-z0-9_-]{43}' \| sudo/,
    );

    await page.getByRole('link', { name: 'Access', exact: true }).click();
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Key name').fill('ci-deploy');
    await page.getByLabel('resource:read').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByLabel('API key', { exact: true });
    await shown.waitFor();
    const key = (await shown.textContent()) ?? '';
    expect(key).toMatch(/^rsk_[A-Za-z0-9]+_[A-Za-z0-9_-]+$/);
    // It works, with exactly the permission picked.
    expect((await t.request('GET', `/api/v1/orgs/${t.owner.orgId}/resources`, { token: key })).status).toBe(200);
    expect((await t.request('GET', `/api/v1/orgs/${t.owner.orgId}/sites`, { token: key })).status).toBe(403);
    // Shown once: after a reload, only its prefix is left.
    await page.reload();
    await page.getByRole('row').filter({ hasText: 'ci-deploy' }).waitFor();
    expect(await page.content()).not.toContain(key);
    const prefix = key.split('_')[1] ?? '';
    expect(await page.getByRole('row').filter({ hasText: 'ci-deploy' }).textContent()).toContain(`rsk_${prefix}_…`);
  });

  it('gateways: adds a gateway; the command the page shows enrols a real gateway process, which comes online', async () => {
    await page.getByRole('link', { name: 'Gateways', exact: true }).click();
    // The hub (beforeAll) is listed already.
    await page
      .getByRole('listitem')
      .filter({ hasText: 'hub-1' })
      .getByText(/^Tunnel hub · seen/)
      .waitFor();
    await page.getByLabel('Gateway name').fill('edge-1');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const enrol = page.getByRole('region', { name: 'Enrol “edge-1”' });
    const command = (await enrol.getByLabel('Gateway command').textContent()) ?? '';
    expect(command).toMatch(
      new RegExp(`^echo 'rgw_[A-Za-z0-9_-]+' \\| rustronaut gateway --admin ${t.url} --enrol-token-file /dev/stdin$`),
    );
    const row = page.getByRole('listitem').filter({ hasText: 'edge-1' });
    await row.getByText('waiting for enrolment').waitFor();

    // The command as shown, in a shell; `rustronaut` is the built CLI here.
    const [http = 0, ops = 0] = await freePorts(2);
    gatewayPort = http;
    gateway = runShell(command.replace('rustronaut gateway', `${process.execPath} ${CLI} gateway`), {
      RUSTRONAUT_LOG_FORMAT: 'json',
      RUSTRONAUT_DATA_DIR: join(tmp.path, 'gateway'),
      RUSTRONAUT_GATEWAY_HTTP_LISTEN: `127.0.0.1:${String(http)}`,
      RUSTRONAUT_GATEWAY_OPS_LISTEN: `127.0.0.1:${String(ops)}`,
    });
    await expect
      .poll(
        async () => {
          await page.reload();
          return row.getByText('Online', { exact: true }).count();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(1);
    expect(await row.textContent()).toContain('Gateway · seen just now');

    // A tunnel hub gets the `rustronaut tunnel` command (as root); deleted again here.
    await page.getByLabel('Gateway name').fill('hub-2');
    await page.getByLabel('Kind').selectOption('hub');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const hubCommand = page.getByRole('region', { name: 'Enrol “hub-2”' }).getByLabel('Tunnel hub command');
    expect(await hubCommand.textContent()).toMatch(
      new RegExp(
        `^echo 'rgw_[A-Za-z0-9_-]+' \\| sudo rustronaut tunnel --admin ${t.url} --enrol-token-file /dev/stdin$`,
      ),
    );
    await page.getByRole('button', { name: 'Delete hub-2' }).click();
    await page.getByRole('listitem').filter({ hasText: 'hub-2' }).waitFor({ state: 'detached' });
  }, 90_000);

  it('3: the live monitor shows a request made through the gateway within 2 s', async () => {
    await page.getByRole('link', { name: 'Live monitor', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    // An API key to reach it as a client program would, and a resource for members of the org (no policy): the
    // snapshot that brings the route knows the key.
    // (Requests to a public resource without a policy are not reported: the gateway decides nothing there.)
    const key = await t.created(`/api/v1/orgs/${t.owner.orgId}/api-keys`, {
      token: ownerToken,
      body: { name: 'probe', permissions: ['resource:read'] },
    });
    await t.created(`/api/v1/orgs/${t.owner.orgId}/resources`, {
      token: ownerToken,
      body: { name: 'monitored', kind: 'http', host: 'monitored.example.com', targets: [{ url: upstream.url }] },
    });
    probe = { authorization: `Bearer ${key.key as string}` };
    await routed('monitored.example.com', 401);

    const started = Date.now();
    expect(await throughGateway('monitored.example.com', '/through-the-gateway?q=1', probe)).toBe(200);
    const row = page.locator('.feed-item').filter({ hasText: 'GET monitored.example.com/through-the-gateway 200' });
    await row.waitFor({ timeout: 2000 });
    process.stdout.write(
      `console e2e: live monitor showed the gateway request ${String(Date.now() - started)} ms after it was made\n`,
    );
    expect(await row.textContent()).toContain('Allowed');

    // A refused one: no credentials.
    expect(await throughGateway('monitored.example.com', '/admin')).toBe(401);
    const denied = page.locator('.feed-item').filter({ hasText: 'GET monitored.example.com/admin 401' });
    await denied.waitFor({ timeout: 2000 });
    expect(await denied.textContent()).toContain('unauthenticated');
  });

  it('4: the dashboard shows gateways, sites and the traffic of requests through the gateway', async () => {
    for (const path of ['/', '/pages/runbook', '/search']) {
      expect(await throughGateway('monitored.example.com', path, probe)).toBe(200);
    }
    await page.locator('.feed-item').filter({ hasText: 'GET monitored.example.com/search 200' }).waitFor();
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    await page.locator('.top-list').getByText('monitored').waitFor();
    await page.getByRole('listitem').filter({ hasText: 'edge-1' }).getByText('Online', { exact: true }).waitFor();
    await page.getByRole('listitem').filter({ hasText: 'home-lab' }).waitFor();
    await page.getByRole('listitem').filter({ hasText: 'hub-1' }).getByText('Online', { exact: true }).waitFor();
    expect(await page.locator('.stat').filter({ hasText: 'Denied requests' }).textContent()).toMatch(/[1-9]/);
    await shoot(page, 'dashboard');
  });

  it('access: a client device gets its config with the private key once, a QR code and a download; then is deleted', async () => {
    // A target of the site, which the device's row shows at the address the device connects to.
    const listed = await t.request('GET', `/api/v1/orgs/${t.owner.orgId}/sites`, { token: ownerToken });
    const lab = (listed.body as { items: { id: string; tunnelAddress: string }[] }).items[0]!;
    const nas = { siteId: lab.id, name: 'nas', host: '192.168.1.20', port: 5000 };
    const target = await t.request('POST', `/api/v1/orgs/${t.owner.orgId}/site-targets`, {
      token: ownerToken,
      body: nas,
    });
    expect(target.status).toBe(201);
    await page.getByRole('link', { name: 'Access', exact: true }).click();
    await page.getByRole('link', { name: 'Client devices' }).click();
    await page.getByLabel('Device name').fill('laptop');
    await page.getByLabel('home-lab').check();
    await page.getByRole('button', { name: 'Create device' }).click();
    const shown = page.getByRole('region', { name: 'WireGuard config of “laptop”' });
    await shown.waitFor();
    const config = (await shown.getByLabel('WireGuard config', { exact: true }).textContent()) ?? '';
    expect(config).toMatch(/^\[Interface\]$/m);
    expect(config).toMatch(/^PrivateKey = [A-Za-z0-9+/]{43}=$/m);
    await shown.getByText('shown only now').waitFor();
    const qr = shown.getByRole('img', { name: 'QR code of the WireGuard config of laptop' });
    expect(await qr.evaluate((img: unknown) => (img as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      shown.getByRole('link', { name: 'Download laptop.conf' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('laptop.conf');
    const saved = join(tmp.path, 'laptop.conf');
    await download.saveAs(saved);
    expect(await readFile(saved, 'utf8')).toBe(config);

    // Later, the config again: without the private key (never stored).
    await page.reload();
    const row = page.getByRole('listitem').filter({ hasText: 'laptop' });
    await row.filter({ hasText: `reaches home-lab · nas at ${lab.tunnelAddress}:5000` }).waitFor();
    await row.getByRole('button', { name: 'Config and QR code of laptop' }).click();
    const again = (await page.getByLabel('WireGuard config', { exact: true }).textContent()) ?? '';
    expect(again).toContain('[Interface]');
    expect(again).not.toMatch(/^PrivateKey =/m);
    await row.getByRole('button', { name: 'Delete laptop' }).click();
    await page.getByText('No devices yet').waitFor();
  });

  it('access: trusts a device CA from its certificate (garbage gets the field error), shows its fingerprint, removes it', async () => {
    await page.getByRole('link', { name: 'Access', exact: true }).click();
    await page.getByRole('link', { name: 'Device certificates' }).click();
    await page.getByText('No device CAs yet').waitFor();
    await page.getByLabel('CA name').fill('Corp devices');
    await page.getByLabel('CA certificate (PEM)').fill('not a certificate');
    await page.getByRole('button', { name: 'Add CA' }).click();
    const pemError = page
      .locator('.field-invalid')
      .filter({ has: page.getByLabel('CA certificate (PEM)') })
      .locator('.field-error');
    await pemError.waitFor();
    expect(await pemError.textContent()).toMatch(/certificate/i);

    const pem = selfSignedCaPem('Corp Devices');
    await page.getByLabel('CA certificate (PEM)').fill(pem);
    await page.getByRole('button', { name: 'Add CA' }).click();
    const card = page.getByRole('article', { name: 'Corp devices' });
    await card.waitFor();
    const shown = (await card.textContent()) ?? '';
    expect(shown).toContain('CN=Corp Devices');
    expect(shown).toContain(new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase());
    expect(await page.getByLabel('CA certificate (PEM)').inputValue()).toBe('');
    await card.getByRole('button', { name: 'Remove Corp devices' }).click();
    await page.getByText('No device CAs yet').waitFor();
  });

  it('entry: an org admin adds an OpenID provider; its button on the login page signs a new user in', async () => {
    const [port = 0] = await freePorts(1);
    const issuer = `http://127.0.0.1:${String(port)}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'rustronaut',
          client_secret: 'a-client-secret-for-the-console-test',
          redirect_uris: [`${t.url}/api/v1/auth/sso/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
      scopes: ['openid', 'email', 'groups'],
      findAccount: (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({ sub, email: `${sub}@corp.example`, email_verified: true, groups: ['ops'] }),
      }),
      cookies: { keys: ['console test cookie key'] },
    });
    op = createServer(provider.callback());
    await new Promise<void>((resolve) => op?.listen(port, '127.0.0.1', resolve));

    await page.getByRole('link', { name: 'Access', exact: true }).click();
    await page.getByRole('link', { name: 'Single sign-on' }).click();
    await page.getByText('No single sign-on yet').waitFor();
    await page.getByLabel('Button name').fill('Corp IdP');
    await page.getByLabel('Issuer URL').fill('http://login.corp.example');
    await page.getByLabel('Client id').fill('rustronaut');
    await page.getByLabel('Client secret').fill('a-client-secret-for-the-console-test');
    await page.getByLabel('Scopes').fill('openid email groups');
    await page.getByLabel('Groups claim').fill('groups');
    await page.getByLabel('Groups to roles').fill('ops operator');
    await page.locator('.field-error').getByText('line 1: expected “claim value = role”').waitFor();
    await page.getByLabel('Groups to roles').fill('ops = operator');
    await page.getByRole('button', { name: 'Add provider' }).click();
    // The API's message at the field: plain http is for loopback issuers only.
    const issuerError = page
      .locator('.field-invalid')
      .filter({ has: page.getByLabel('Issuer URL') })
      .locator('.field-error');
    expect(await issuerError.textContent()).toContain('https://');
    await page.getByLabel('Issuer URL').fill(issuer);
    await page.getByRole('button', { name: 'Add provider' }).click();
    const card = page.getByRole('article').filter({ hasText: 'Corp IdP' });
    await card.waitFor();
    expect(await card.getByLabel('Redirect URI of Corp IdP').textContent()).toBe(`${t.url}/api/v1/auth/sso/callback`);
    expect(await card.textContent()).toContain('ops → operator');
    expect(await page.content()).not.toContain('a-client-secret-for-the-console-test');

    const ssoContext = await browser.newContext({ viewport: SIZES[0], baseURL: t.url });
    recordCalls(ssoContext);
    try {
      const p = await ssoContext.newPage();
      p.on('pageerror', (err) => pageErrors.push(err.message));
      await p.goto(`/login?org=${t.owner.orgId}`);
      await p.getByRole('link', { name: 'Sign in with Corp IdP' }).click();
      // The provider's own (development) sign-in and consent pages.
      await p.waitForURL(`${issuer}/**`);
      await p.locator('input[name="login"]').fill('ada');
      await p.locator('input[name="password"]').fill('anything');
      await p.locator('button[type="submit"]').click();
      await p.locator('button[type="submit"]').click();
      await p.waitForURL(`${t.url}${orgPath}/dashboard`);
      await p.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      await p.getByText('ada@corp.example').waitFor();
      // Provisioned with the mapped role.
      const members = await t.request('GET', `/api/v1/orgs/${t.owner.orgId}/members`, { token: ownerToken });
      const ada = (members.body as { items: { email: string; roles: string[] }[] }).items.find(
        (m) => m.email === 'ada@corp.example',
      );
      expect(ada?.roles).toEqual(['operator']);
      // Next time, the login page offers the button of the organisation this browser last opened.
      await p.getByRole('button', { name: 'Sign out' }).click();
      await p.waitForURL('**/login');
      await p.getByRole('link', { name: 'Sign in with Corp IdP' }).waitFor();
    } finally {
      await ssoContext.close();
    }
  });

  it('access: adds a user, changes their roles, suspends and reinstates them, revokes their session, removes them', async () => {
    await page.getByRole('link', { name: 'Access', exact: true }).click();
    await page.getByRole('navigation', { name: 'Access' }).getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Email').fill('carol@example.com');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByLabel('Initial password (new accounts only)').fill('a long password for carol');
    await page.getByRole('button', { name: 'Add user' }).click();
    const row = page.getByRole('row').filter({ hasText: 'carol@example.com' });
    await row.waitFor();
    const carol = await t.login('carol@example.com', 'a long password for carol');
    const resourcesAs = async (token: string) =>
      (await t.request('GET', `/api/v1/orgs/${t.owner.orgId}/resources`, { token })).status;
    expect(await resourcesAs(carol)).toBe(200);

    await row.getByRole('button', { name: 'Change the roles of carol@example.com' }).click();
    await row.getByLabel('operator').check();
    await row.getByLabel('viewer').uncheck();
    await row.getByRole('button', { name: 'Save the roles of carol@example.com' }).click();
    await row.getByText('operator', { exact: true }).waitFor();
    const members = await t.request('GET', `/api/v1/orgs/${t.owner.orgId}/members`, { token: ownerToken });
    const listed = (members.body as { items: { email: string; roles: string[] }[] }).items;
    expect(listed.find((m) => m.email === 'carol@example.com')?.roles).toEqual(['operator']);

    await row.getByRole('button', { name: 'Suspend carol@example.com' }).click();
    await row.getByText('Suspended', { exact: true }).waitFor();
    expect(await resourcesAs(carol)).toBe(403);
    await row.getByRole('button', { name: 'Reinstate carol@example.com' }).click();
    await row.getByText('Active', { exact: true }).waitFor();
    expect(await resourcesAs(carol)).toBe(200);

    // Her session, by her email, revoked: the token stops working.
    await page.getByRole('navigation', { name: 'Access' }).getByRole('link', { name: 'Sessions' }).click();
    const session = page.getByRole('row').filter({ hasText: 'carol@example.com' });
    await session.getByRole('button', { name: /^Revoke session / }).click();
    await session.waitFor({ state: 'detached' });
    expect(await resourcesAs(carol)).toBe(401);

    await page.getByRole('navigation', { name: 'Access' }).getByRole('link', { name: 'Users' }).click();
    await row.getByRole('button', { name: 'Remove carol@example.com' }).click();
    await row.waitFor({ state: 'detached' });
  });

  it('5: an expired session goes back to the login page, and after signing in back where the user was', async () => {
    await page.getByRole('link', { name: 'Resources', exact: true }).click();
    await page.getByRole('row').filter({ hasText: 'wiki.example.com' }).waitFor();
    // Every session of the owner ends (as when an admin revokes them, or the session expires).
    expect((await t.request('POST', '/api/v1/auth/logout-all', { token: ownerToken })).status).toBe(204);
    await page.getByRole('link', { name: 'Audit log', exact: true }).click();
    await page.waitForURL(`**/login?next=${encodeURIComponent(`${orgPath}/audit`)}`);
    await page.getByText('Your session has ended').waitFor();
    await signIn(page, t.owner.email, t.owner.password);
    await page.waitForURL(`**${orgPath}/audit`);
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.getByRole('cell', { name: 'resource.create' }).first().waitFor();
    ownerToken = await t.login(t.owner.email, t.owner.password);

    // Filtered (kept in the URL), then exported as NDJSON: exactly what the filter matches.
    await page.getByLabel('Action').fill('resource.create');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL('**/audit?action=resource.create');
    // The URL changes before the filtered page arrives: wait for the table to follow.
    await expect.poll(() => page.getByRole('cell', { name: 'gateway.create' }).count()).toBe(0);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export NDJSON' }).click(),
    ]);
    const file = join(tmp.path, 'audit.ndjson');
    await download.saveAs(file);
    const exported = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string; data: { name?: string } });
    expect(new Set(exported.map((e) => e.action))).toEqual(new Set(['resource.create']));
    expect(exported.map((e) => e.data.name)).toEqual(expect.arrayContaining(['grafana', 'wiki', 'monitored']));
  });

  it('5: a 403 from the API is a banner on the page, not a blank screen', async () => {
    const viewer = await t.newMember(['viewer']);
    const viewerContext = await browser.newContext({ viewport: SIZES[0], baseURL: t.url });
    recordCalls(viewerContext);
    try {
      const viewerPage = await viewerContext.newPage();
      viewerPage.on('pageerror', (err) => pageErrors.push(err.message));
      await viewerPage.goto(`${orgPath}/resources/new`);
      await viewerPage.waitForURL('**/login?next=**');
      await signIn(viewerPage, viewer.email, 'correct horse battery staple');
      await viewerPage.waitForURL(`**${orgPath}/resources/new`);
      await viewerPage.getByLabel('Name', { exact: true }).fill('not allowed');
      await viewerPage.getByLabel('Host name').fill('nope.example.com');
      await viewerPage.getByLabel('Targets').fill('http://10.0.0.9');
      await viewerPage.getByRole('button', { name: 'Create resource' }).click();
      const banner = viewerPage.getByRole('alert').filter({ hasText: 'resource:create' });
      await banner.waitFor();
      expect(await banner.textContent()).toContain('Not saved');
      await viewerPage.getByRole('heading', { name: 'New resource' }).waitFor();
    } finally {
      await viewerContext.close();
    }
  });

  it('account: a member names themself, turns on two-step sign-in and signs out another session of theirs', async () => {
    const dave = await t.newMember(['viewer'], { email: 'dave@example.com' });
    const other = await t.login(dave.email, 'correct horse battery staple');
    const daveContext = await browser.newContext({ viewport: SIZES[1], baseURL: t.url });
    recordCalls(daveContext);
    try {
      const p = await daveContext.newPage();
      p.on('pageerror', (err) => pageErrors.push(err.message));
      await p.goto('/login');
      await signIn(p, dave.email, 'correct horse battery staple');
      await p.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      await p.getByRole('button', { name: 'Menu' }).click();
      await p.getByRole('link', { name: 'Your account' }).click();
      await p.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

      await p.getByLabel('Your name').fill('Dave');
      await p.getByRole('button', { name: 'Save name' }).click();
      await p.getByText('Saved.').waitFor();
      // A short new password: the API's message at the field.
      await p.getByLabel('Current password').fill('correct horse battery staple');
      await p.getByLabel('New password').fill('short');
      await p.getByRole('button', { name: 'Change password' }).click();
      const passwordError = p
        .locator('.field-invalid')
        .filter({ has: p.getByLabel('New password') })
        .locator('.field-error');
      expect(await passwordError.textContent()).toContain('at least 12 characters');

      await p.getByRole('button', { name: 'Set up two-step sign-in' }).click();
      const secret = (await p.getByLabel('Setup key', { exact: true }).textContent()) ?? '';
      expect(secret).toMatch(/^[A-Z2-7]+=*$/);
      const uri = (await p.getByLabel('otpauth link', { exact: true }).textContent()) ?? '';
      expect(uri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
      // The QR code is that very link (drawn in the page with the same library: same input, same picture).
      const qr = await p.getByAltText(/^QR code of the otpauth link/).getAttribute('src');
      expect(qr).toBe(
        `data:image/svg+xml;charset=utf-8,${encodeURIComponent(
          await renderQr(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
        )}`,
      );
      await p.getByLabel('The code the app shows now').fill('000000');
      await p.getByRole('button', { name: 'Turn on' }).click();
      await p.locator('.field-error').getByText('not correct').waitFor();
      await p.getByLabel('The code the app shows now').fill(totpCode(secret, t.ctx.now()));
      await p.getByRole('button', { name: 'Turn on' }).click();
      await p.getByRole('region', { name: 'Two-step sign-in' }).getByText('On', { exact: true }).waitFor();
      const me = await t.request('GET', '/api/v1/me', { token: other });
      expect(me.body).toMatchObject({ user: { name: 'Dave', totpEnabled: true } });
      const withoutCode = await t.request('POST', '/api/v1/auth/login', {
        body: { email: dave.email, password: 'correct horse battery staple' },
      });
      expect(withoutCode.body).toMatchObject({ code: 'ERR_AUTH_TOTP_REQUIRED' });

      // The other session (the token above) is listed and signed out from here.
      await p.reload();
      const sessions = p.getByRole('region', { name: 'Where you are signed in' });
      await sessions.getByText('This session').waitFor();
      await expect.poll(() => sessions.getByRole('button', { name: /^Sign out session / }).count()).toBe(2);
      const first = sessions.getByRole('button', { name: /^Sign out session / }).first();
      await first.click();
      await expect.poll(() => sessions.getByRole('button', { name: /^Sign out session / }).count()).toBe(1);
      await sessions.getByRole('button', { name: /^Sign out session / }).click();
      await expect.poll(() => sessions.getByRole('button', { name: /^Sign out session / }).count()).toBe(0);
      expect((await t.request('GET', '/api/v1/me', { token: other })).status).toBe(401);
    } finally {
      await daveContext.close();
    }
  });

  it('5: the login page carries a gateway intent through the TOTP step to the access grant', async () => {
    const user = await t.newMember(['viewer']);
    const enrol = await t.request('POST', '/api/v1/me/totp', { token: user.token });
    expect(enrol.status).toBe(200);
    const secret = enrol.body.secret as string;
    expect(
      (
        await t.request('POST', '/api/v1/me/totp/confirm', {
          token: user.token,
          body: { code: totpCode(secret, t.ctx.now()) },
        })
      ).status,
    ).toBe(200);
    t.advance(30_000); // a code counts once: sign in with the next one
    const intentContext = await browser.newContext({ viewport: SIZES[1], baseURL: t.url });
    recordCalls(intentContext);
    try {
      const p = await intentContext.newPage();
      p.on('pageerror', (err) => pageErrors.push(err.message));
      await p.goto('/login?intent=opaque-intent-123');
      await p.getByText('Sign in to continue to the application you asked for.').waitFor();
      await signIn(p, user.email, 'correct horse battery staple');
      const code = p.getByLabel('Code from your authenticator app');
      await code.waitFor();
      await code.fill(totpCode(secret, t.ctx.now()));
      const [grant] = await Promise.all([
        p.waitForRequest((r) => r.url().endsWith('/api/v1/auth/access-grant')),
        p.getByRole('button', { name: 'Verify' }).click(),
      ]);
      expect(grant.postDataJSON()).toEqual({ intent: 'opaque-intent-123' });
      const answer = await grant.response();
      if (answer?.status() === 200) {
        // The identity work's route: the browser goes on to the application's callback.
        const { redirectUrl } = (await answer.json()) as { redirectUrl: string };
        await p.waitForURL(redirectUrl);
      } else {
        // Until then (or for a bad intent) the answer is a banner on the login page.
        await p.getByRole('alert').filter({ hasText: 'Could not continue to the application' }).waitFor();
      }
    } finally {
      await intentContext.close();
    }
  });

  it('7: every page opens with its heading, no error banner and nothing wider than a 375 px screen', async () => {
    const resources = await t.request('GET', `/api/v1/orgs/${t.owner.orgId}/resources`, { token: ownerToken });
    const wiki = (resources.body as { items: { id: string; name: string }[] }).items.find((r) => r.name === 'wiki');
    const pages: [path: string, heading: string][] = [
      ['dashboard', 'Dashboard'],
      ['resources', 'Resources'],
      [`resources/${wiki?.id ?? ''}`, 'wiki'],
      ['resources/new', 'New resource'],
      ['policies', 'Policies'],
      ['sites', 'Sites'],
      ['gateways', 'Gateways'],
      ['access/members', 'Access'],
      ['access/roles', 'Access'],
      ['access/api-keys', 'Access'],
      ['access/sessions', 'Access'],
      ['access/devices', 'Access'],
      ['access/device-cas', 'Access'],
      ['access/sso', 'Access'],
      ['audit', 'Audit log'],
      ['monitor', 'Live monitor'],
      ['account', 'Your account'],
    ];
    await page.setViewportSize(SIZES[1]);
    try {
      for (const [path, heading] of pages) {
        await page.goto(`${orgPath}/${path}`);
        await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
        await expect.poll(() => page.locator('.loading').count(), { message: path }).toBe(0);
        expect(await page.getByRole('alert').count(), path).toBe(0);
        // Every control has a name: a <label>, aria-label(ledby), or a button's own text.
        const unnamed = await page.evaluate(`[...document.querySelectorAll('input, select, textarea, button')]
          .filter((el) => el.type !== 'hidden' && el.labels?.length === 0 && !el.getAttribute('aria-label')
            && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim() !== ''))
          .map((el) => el.outerHTML.slice(0, 120))`);
        expect(unnamed, path).toEqual([]);
        await page.screenshot({
          path: new URL(`page-${path.replace(/[0-9a-f-]{36}/, 'wiki').replaceAll('/', '-')}-375x812.png`, SCREENSHOTS)
            .pathname,
          fullPage: true,
        });
        const overflow = await page.evaluate(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        );
        if (overflow !== 0) {
          await page.screenshot({ path: new URL(`overflow-${path.replaceAll('/', '-')}.png`, SCREENSHOTS).pathname });
        }
        expect(overflow, `${path} is wider than the screen`).toBe(0);
      }
    } finally {
      await page.setViewportSize(SIZES[0]);
    }
  });

  it('7: works with the keyboard alone: sign in, skip to the content, reach a page, search', async () => {
    const keyboardContext = await browser.newContext({ viewport: SIZES[0], baseURL: t.url });
    recordCalls(keyboardContext);
    try {
      const p = await keyboardContext.newPage();
      p.on('pageerror', (err) => pageErrors.push(err.message));
      await p.goto('/login');
      await p.getByLabel('Email').waitFor();
      // The email field has the focus on arrival.
      await p.keyboard.type(t.owner.email);
      await p.keyboard.press('Tab');
      await p.keyboard.type(t.owner.password);
      await p.keyboard.press('Enter');
      await p.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      const focused = () => p.evaluate('document.activeElement?.id || document.activeElement?.textContent?.trim()');
      await p.keyboard.press('Tab');
      expect(await focused()).toBe('Skip to content');
      await p.keyboard.press('Enter');
      await expect.poll(focused).toBe('main');
      // Back to the top, then Tab to the "Resources" link of the navigation.
      await p.evaluate('document.body.focus()');
      for (let i = 0; i < 20 && (await focused()) !== 'Resources'; i++) await p.keyboard.press('Tab');
      expect(await focused()).toBe('Resources');
      await p.keyboard.press('Enter');
      await p.getByRole('heading', { level: 1, name: 'Resources' }).waitFor();
      for (
        let i = 0;
        i < 20 &&
        !(await p.getByLabel('Search by name or host').evaluate((el) => el === el.ownerDocument.activeElement));
        i++
      ) {
        await p.keyboard.press('Tab');
      }
      await p.keyboard.type('wiki');
      await p.waitForURL('**/resources?q=wiki');
      await expect.poll(() => p.getByRole('row').filter({ hasText: 'monitored' }).count()).toBe(0);
      await p.getByRole('row').filter({ hasText: 'wiki.example.com' }).waitFor();
    } finally {
      await keyboardContext.close();
    }
  });

  it('3: every API call the console made is an operation of the OpenAPI document', async () => {
    const doc = (await t.request('GET', '/api/openapi.json')).body as { paths: Record<string, object> };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({
        method: method.toUpperCase(),
        pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      })),
    );
    const unknown = [...apiCalls].filter((call) => {
      const [method, path] = call.split(' ') as [string, string];
      return !operations.some((op) => op.method === method && op.pattern.test(path));
    });
    expect(apiCalls.size).toBeGreaterThan(20);
    expect(unknown).toEqual([]);
  });

  it('raised no uncaught error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
