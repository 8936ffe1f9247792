// Admin API benchmark: the real `rustronaut admin` process, one organisation with 10,000 resources and 1,000
// members, 50 concurrent autocannon clients on get-one, list-page and create, on PGlite and on PostgreSQL. Prints
// requests/s and p50/p95/p99 latency per case and whether p95 < 20 ms, and writes the same to
// bench/admin/results.json. Run it with `npm run bench:admin` (it builds first); README.md beside it says more.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { memberships, newId, openDatabase, resources, users } from '@rustronaut/db';
import { eq } from 'drizzle-orm';
import { NODE_FLAGS } from '../node-flags.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, '..', '..', 'apps', 'cli', 'dist', 'main.js');
const RESULTS = join(HERE, 'results.json');

/** Seconds of each measured run; BENCH_SECONDS shortens a trial run. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
/** Concurrent clients; BENCH_CONNECTIONS=1 shows the latency of one request alone. */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const RESOURCES = 10_000;
const USERS = 1_000;
/** The target of the admin issue, for get and list pages. */
const P95_TARGET_MS = 20;
const RUN_DEADLINE_MS = 20 * 60_000;
/** Extra Node flags for the admin process, e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const EMAIL = 'bench-owner@example.com';
const PASSWORD = 'bench password that is long enough';
/** PostgreSQL server to create the bench database on; the run skips PostgreSQL when it does not answer. */
const PG_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.RUSTRONAUT_TEST_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

// --- processes: the admin child is tracked and ended by its pid, on success, on error and on Ctrl-C ------------

const children = new Set();
const tmp = mkdtempSync(join(tmpdir(), 'rustronaut-admin-bench-'));
let keepTmp = false;

process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  if (!keepTmp) rmSync(tmp, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the admin the benchmark started`);
    void Promise.all([...children].map((child) => stopProcess(child))).finally(() => process.exit(130));
  });
}
setTimeout(() => {
  console.error(`benchmark still running after ${RUN_DEADLINE_MS / 60_000} min: giving up`);
  keepTmp = true;
  process.exit(1);
}, RUN_DEADLINE_MS).unref();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

async function stopProcess(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The environment of the admin for one driver: its own data dir, ports, master key and (maybe) database URL. */
async function adminEnv(driver) {
  const env = {
    ...process.env,
    RUSTRONAUT_DATA_DIR: driver.dataDir,
    RUSTRONAUT_MASTER_KEY: driver.masterKey,
    RUSTRONAUT_ADMIN_LISTEN: `127.0.0.1:${await freePort()}`,
    RUSTRONAUT_ADMIN_CONTROL_LISTEN: `127.0.0.1:${await freePort()}`,
    RUSTRONAUT_ADMIN_EMAIL: EMAIL,
    RUSTRONAUT_ADMIN_PASSWORD: PASSWORD,
    RUSTRONAUT_LOG_LEVEL: 'warn',
    RUSTRONAUT_LOG_FORMAT: 'json',
  };
  delete env.DATABASE_URL;
  if (driver.url !== undefined) env.DATABASE_URL = driver.url;
  return env;
}

/** Starts `rustronaut admin` and waits until /readyz answers 200. */
async function startAdmin(driver) {
  const env = await adminEnv(driver);
  const log = openSync(join(tmp, `admin-${driver.name}.log`), 'a');
  const child = spawn(process.execPath, [...NODE_FLAGS, ...NODE_ARGS, CLI, 'admin'], {
    cwd: tmp,
    env,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  children.add(child);
  child.once('exit', () => children.delete(child));
  const url = `http://${env.RUSTRONAUT_ADMIN_LISTEN}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`admin exited with code ${child.exitCode}; see ${tmp}`);
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) })
      .then((res) => res.status === 200)
      .catch(() => false);
    if (ready) return { url, stop: () => stopProcess(child) };
    await sleep(200);
  }
  throw new Error(`admin not ready after 120 s; see ${tmp}`);
}

async function api(url, method, path, { token, body } = {}) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed = text === '' ? undefined : JSON.parse(text);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return parsed;
}

const login = async (url) =>
  (await api(url, 'POST', '/api/v1/auth/login', { body: { email: EMAIL, password: PASSWORD } })).accessToken;

/** A resource body for the create case and the template row; `n` makes name and host unique. */
const resourceBody = (tag, n) => ({
  name: `${tag} ${n}`,
  kind: 'http',
  host: `${tag}-${n}.bench.example.com`,
  targets: [{ url: 'http://127.0.0.1:9' }],
});

// --- seeding: the owner and a template resource through the API, the bulk straight into the database -----------

async function seed(driver) {
  const first = await startAdmin(driver);
  let orgId;
  try {
    const token = await login(first.url);
    orgId = (await api(first.url, 'GET', '/api/v1/orgs', { token })).items[0].id;
    await api(first.url, 'POST', `/api/v1/orgs/${orgId}/resources`, { token, body: resourceBody('template', 0) });
  } finally {
    await first.stop();
  }
  const database = await openDatabase({ databaseUrl: driver.url, dataDir: driver.dataDir });
  const started = Date.now();
  try {
    const db = database.db;
    // Every seeded resource copies the stored shape of the one the API made (targets and options as it keeps them).
    const [template] = await db.select().from(resources).where(eq(resources.orgId, orgId)).limit(1);
    const [owner] = await db.select().from(users).where(eq(users.email, EMAIL)).limit(1);
    for (let from = 0; from < RESOURCES; from += 1000) {
      const rows = [];
      for (let n = from; n < Math.min(from + 1000, RESOURCES); n++) {
        rows.push({
          ...template,
          id: newId(),
          name: `seeded ${n}`,
          host: `seeded-${n}.bench.example.com`,
          createdAt: undefined,
          updatedAt: undefined,
        });
      }
      await db.insert(resources).values(rows);
    }
    for (let from = 0; from < USERS; from += 500) {
      const batch = [];
      for (let n = from; n < Math.min(from + 500, USERS); n++) {
        batch.push({ id: newId(), email: `member-${n}@bench.example.com`, passwordHash: owner.passwordHash });
      }
      await db.insert(users).values(batch);
      await db.insert(memberships).values(batch.map((u) => ({ orgId, userId: u.id, roles: ['viewer'] })));
    }
  } finally {
    await database.close();
  }
  return { orgId, seedSeconds: (Date.now() - started) / 1000 };
}

// --- measuring -----------------------------------------------------------------------------------------------

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** One autocannon run; latencies are taken per response, so p95 is exact rather than a histogram bucket. */
async function measure(url, token, request, seconds) {
  const latencies = [];
  let non2xx = 0;
  const instance = autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [request],
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    latencies.push(ms);
    if (status < 200 || status > 299) non2xx++;
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: Math.round(latencies.length / seconds),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    requests: latencies.length,
    non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function benchDriver(driver) {
  const { orgId, seedSeconds } = await seed(driver);
  const admin = await startAdmin(driver);
  try {
    const token = await login(admin.url);
    const base = `/api/v1/orgs/${orgId}/resources`;
    // Ids to read, and the cursor of the page in the middle, found through the API itself.
    const ids = [];
    let cursor = null;
    let middleCursor;
    for (let page = 0; ids.length < RESOURCES / 2; page++) {
      const query = `limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const body = await api(admin.url, 'GET', `${base}?${query}`, { token });
      ids.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
      if (cursor === null) break;
    }
    middleCursor = cursor;
    if (middleCursor === null || ids.length < RESOURCES / 2)
      throw new Error('the org holds fewer resources than seeded');
    let next = 0;
    const run = randomBytes(3).toString('hex');
    const cases = {
      'get one': {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: `${base}/${ids[next++ % ids.length]}` }),
      },
      'list page (limit 50, mid cursor)': {
        method: 'GET',
        path: `${base}?limit=50&cursor=${encodeURIComponent(middleCursor)}`,
      },
      create: {
        method: 'POST',
        path: base,
        setupRequest: (req) => ({ ...req, body: JSON.stringify(resourceBody(`c${run}`, next++)) }),
      },
    };
    const results = {};
    for (const [name, request] of Object.entries(cases)) {
      await measure(admin.url, token, request, WARMUP_SECONDS);
      results[name] = await measure(admin.url, token, request, SECONDS);
      const r = results[name];
      console.log(
        `  ${driver.name.padEnd(8)} ${name.padEnd(34)} ${String(r.requestsPerSecond).padStart(6)} req/s  ` +
          `p50 ${r.p50.toFixed(1).padStart(6)} ms  p95 ${r.p95.toFixed(1).padStart(6)} ms  ` +
          `p99 ${r.p99.toFixed(1).padStart(6)} ms  p95 < ${P95_TARGET_MS} ms: ${r.p95 < P95_TARGET_MS ? 'yes' : 'NO'}` +
          (r.non2xx + r.errors > 0 ? `  (${r.non2xx} non-2xx, ${r.errors} errors: figures unreliable)` : ''),
      );
    }
    return { seedSeconds, cases: results };
  } finally {
    await admin.stop();
  }
}

/** PostgreSQL: a fresh database on the server, dropped afterwards; undefined when the server does not answer. */
async function createPostgresDatabase() {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (err) {
    console.log(`PostgreSQL at ${PG_URL.replace(/\/\/[^@]*@/, '//')} does not answer (${err.message}): skipped`);
    return undefined;
  }
  const name = `rustronaut_bench_${randomBytes(4).toString('hex')}`;
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

async function main() {
  console.log(
    `admin benchmark: ${RESOURCES} resources, ${USERS} members, ${CONNECTIONS} connections, ${SECONDS} s per case ` +
      `(after ${WARMUP_SECONDS} s warm-up); ${cpus().length} CPUs, Node ${process.version}`,
  );
  const report = { date: new Date().toISOString(), seconds: SECONDS, connections: CONNECTIONS, drivers: {} };
  const masterKey = randomBytes(32).toString('hex');
  const pglite = { name: 'pglite', dataDir: join(tmp, 'pglite'), masterKey };
  report.drivers.pglite = await benchDriver(pglite);
  const postgres = await createPostgresDatabase();
  if (postgres !== undefined) {
    try {
      report.drivers.postgres = await benchDriver({
        name: 'postgres',
        url: postgres.url,
        dataDir: join(tmp, 'pg'),
        masterKey,
      });
    } finally {
      await postgres.drop();
    }
  }
  const misses = Object.entries(report.drivers).flatMap(([driver, { cases }]) =>
    Object.entries(cases)
      .filter(([name, r]) => name !== 'create' && !(r.p95 < P95_TARGET_MS))
      .map(([name]) => `${driver} ${name}`),
  );
  report.target = { p95Ms: P95_TARGET_MS, appliesTo: 'get one and list page', met: misses.length === 0, misses };
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    misses.length === 0
      ? `target p95 < ${P95_TARGET_MS} ms for get and list pages: met`
      : `target p95 < ${P95_TARGET_MS} ms for get and list pages: NOT met by ${misses.join(', ')}`,
  );
  console.log(`wrote ${RESULTS}`);
}

main().catch((err) => {
  keepTmp = true;
  console.error(err);
  console.error(`logs kept in ${tmp}`);
  process.exit(1);
});
