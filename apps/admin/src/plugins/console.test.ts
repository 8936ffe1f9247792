import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAdmin, testDrivers, type TestAdmin } from '../../test/harness.js';
import { CONSOLE_CSP } from './console.js';

const INDEX =
  '<!doctype html><html><head><title>Rustronaut console</title><script type="module" src="/assets/app-4f3c2a1b.js"></script></head><body><div id="root"></div></body></html>';

describe('console bundle served by the admin', () => {
  let t: TestAdmin;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rustronaut-console-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'app-4f3c2a1b.js'), 'console.log("app");\n');
    writeFileSync(join(dir, 'assets', '.hidden'), 'secret');
    const [pglite] = testDrivers();
    if (pglite === undefined) throw new Error('no test driver');
    t = await startTestAdmin(pglite, {}, { consoleDir: dir });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and at client routes, never cached, with a CSP that allows no inline script', async () => {
    for (const path of ['/', '/login?intent=abc', '/orgs/0190c3e4-0000-7000-8000-000000000000/resources', '/setup']) {
      const res = await fetch(`${t.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toBe(INDEX);
    }
    expect(CONSOLE_CSP).toContain("script-src 'self';");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(CONSOLE_CSP).not.toContain('unsafe-eval');
  });

  it('serves hashed assets for a year as immutable', async () => {
    const res = await fetch(`${t.url}/assets/app-4f3c2a1b.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript|^application\/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe('console.log("app");\n');
  });

  it('answers a missing asset, a dot file or a path escape with a 404, not with the app', async () => {
    for (const path of ['/assets/app-00000000.js', '/assets/.hidden', '/assets/..%2findex.html']) {
      const res = await fetch(`${t.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('<div id="root">');
    }
    // The router resolves dot segments first: this is a request for /index.html, answered as a page, not an asset.
    const dotted = await fetch(`${t.url}/assets/%2e%2e/index.html`);
    expect(dotted.headers.get('cache-control')).toBe('no-cache');
  });

  it('never falls back to the app under /api/ or /.well-known/', async () => {
    for (const path of ['/api/v1/nope', '/api', '/api/', '/.well-known/nope', '/api?x=1']) {
      const res = await fetch(`${t.url}${path}`, { headers: { accept: 'text/html' } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
    }
    // Real API routes still answer.
    expect((await fetch(`${t.url}/api/v1/version`)).status).toBe(200);
    expect((await fetch(`${t.url}/.well-known/jwks.json`)).status).toBe(200);
  });

  it('says how to build the console when the bundle is missing', async () => {
    rmSync(join(dir, 'index.html'));
    const res = await fetch(`${t.url}/resources`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(await res.text()).toContain('npm run build');
    writeFileSync(join(dir, 'index.html'), INDEX);
  });
});
