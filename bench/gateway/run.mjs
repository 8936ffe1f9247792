// Gateway benchmark: the real `rustronaut gateway` process against a direct upstream and nginx as a reverse
// proxy, measured with wrk and iperf3 on 127.0.0.1 only. Prints a table with the issue's targets marked met or
// NOT met and writes the same as JSON to bench/gateway/results.json. Run it with `npm run bench:gateway` (it
// builds first); it takes about three minutes. README.md beside this file says how to read it.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { cpus, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../node-flags.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, '..', '..', 'apps', 'cli', 'dist', 'main.js');
const RESULTS = join(HERE, 'results.json');

/** Seconds of each measured wrk run. BENCH_SECONDS shortens a trial run; the targets assume the default. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
const IPERF_SECONDS = 5;
const HOST = 'bench.local';
/** Host of the protected route: the same upstream behind a bearer token (EdDSA JWT, verified from a PEM key). */
const PROTECTED_HOST = 'protected.local';
const LARGE_BYTES = 1024 * 1024;
const HELD_CONNECTIONS = 1000;
/** The whole run is cut after this, whatever happens. */
const RUN_DEADLINE_MS = 15 * 60_000;
/** Memory is reported in decimal megabytes (10^6 bytes), the stricter reading of "64 MB". */
const MB = 1e6;

/** The issue's targets. */
const TARGETS = {
  rpsVsNginx: 0.5,
  protectedVsNginx: 0.45,
  protectedVsPublic: 0.9,
  p50OverDirectMs: 0.25,
  rssIdleMB: 64,
  rssHeldMB: 100,
  largeGbps: 2,
  tcpVsDirect: 0.5,
};

// --- processes: each child is tracked and ended by its pid, on success, on error and on Ctrl-C -------------------

const children = new Set();
const tmp = mkdtempSync(join(tmpdir(), 'rustronaut-bench-'));
/** The temp dir (configs, process logs) is kept after a failure, for the post-mortem. */
let keepTmp = false;

/** Spawns a tracked child in the temp dir; stderr goes to `<name>.log` there, stdout to `stdout` ('ignore', 'pipe', a file). */
function startProcess(name, command, args, { env = process.env, stdout = 'ignore' } = {}) {
  const stderr = openSync(join(tmp, `${name}.log`), 'a');
  const out = stdout === 'ignore' || stdout === 'pipe' ? stdout : openSync(stdout, 'w');
  const child = spawn(command, args, { cwd: tmp, env, stdio: ['ignore', out, stderr] });
  // The child has its own copies of these descriptors.
  closeSync(stderr);
  if (typeof out === 'number') closeSync(out);
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
  return child;
}

/** Ends one child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
async function stopProcess(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

async function stopAll() {
  await Promise.all([...children].map((child) => stopProcess(child)));
}

// Last resort when the process is leaving anyway: nothing may outlive the benchmark.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  if (!keepTmp) rmSync(tmp, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping everything the benchmark started`);
    void stopAll().finally(() => process.exit(130));
  });
}
setTimeout(() => {
  console.error(`benchmark still running after ${RUN_DEADLINE_MS / 60_000} min: giving up`);
  void stopAll().finally(() => process.exit(1));
}, RUN_DEADLINE_MS).unref();

/** Runs a command to completion (bounded by `timeoutMs`) and returns its stdout; throws on failure. */
function run(command, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * MB }, (err, stdout, stderr) => {
      children.delete(child);
      if (err) reject(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
    children.add(child);
  });
}

function installed(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort() {
  const server = createNetServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check()` resolves true, or throws after `timeoutMs` (or when `child` exits first). */
async function waitFor(what, check, { child, timeoutMs = 15_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}; see ${tmp}`);
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms`);
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function httpStatus(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.status;
}

// --- the servers under test -----------------------------------------------------------------------------------

/** The lines every nginx here shares: one foreground process, its files in the temp dir, no access log. */
function nginxPreamble(name) {
  const temp = join(tmp, `${name}-temp`);
  mkdirSync(temp, { recursive: true });
  return `daemon off;
master_process off;
worker_processes 1;
pid ${join(tmp, `${name}.pid`)};
error_log ${join(tmp, `${name}-error.log`)} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  # wrk keeps its connections for the whole run; nginx's default would reconnect every 1,000 requests.
  keepalive_requests 1000000;
`;
}

async function startNginx(name, body, port) {
  const conf = join(tmp, `${name}.conf`);
  writeFileSync(conf, `${nginxPreamble(name)}${body}}\n`);
  const child = startProcess(name, 'nginx', ['-p', tmp, '-e', join(tmp, `${name}-error.log`), '-c', conf]);
  await waitFor(name, () => accepts(port), { child });
  return { name, port, stop: () => stopProcess(child) };
}

/** The upstream: `/` answers a short body, `/1m` a 1 MiB file. nginx when installed, else Node's http server. */
async function startUpstream(port) {
  const www = join(tmp, 'www');
  mkdirSync(www);
  writeFileSync(join(www, '1m'), Buffer.alloc(LARGE_BYTES, 'x'));
  if (installed('nginx')) {
    const server = await startNginx(
      'upstream',
      `  server {
    listen 127.0.0.1:${port};
    location = / { default_type text/plain; return 200 "hello\\n"; }
    location = /1m { root ${www}; default_type application/octet-stream; }
  }
`,
      port,
    );
    return { ...server, kind: 'nginx' };
  }
  const large = readFileSync(join(www, '1m'));
  const server = createHttpServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const body = req.url === '/1m' ? large : 'hello\n';
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const stop = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return { name: 'upstream', kind: 'node', port, stop };
}

/** nginx as a reverse proxy in front of the upstream, with pooled keep-alive upstream connections. */
function startNginxProxy(port, upstreamPort) {
  return startNginx(
    'nginx-proxy',
    `  upstream bench { server 127.0.0.1:${upstreamPort}; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://bench;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # Stream large bodies through memory buffers rather than spooling them to a temp file.
      proxy_max_temp_file_size 0;
    }
  }
`,
    port,
  );
}

/**
 * The issuer of the protected route's tokens: an Ed25519 key whose public half the gateway reads from a PEM file,
 * and one token (valid for an hour) that wrk sends on every request, as an API client reusing its token would.
 */
function createIssuer() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyFile = join(tmp, 'issuer.pem');
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'EdDSA', typ: 'JWT' })}.${b64({ iss: 'bench', aud: 'bench', sub: 'bench-user', iat: now, exp: now + 3600 })}`;
  const token = `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
  return { publicKeyFile, token };
}

/** The gateway as users run it: `rustronaut gateway --config FILE`, JSON logs to /dev/null. */
async function startGateway({ httpPort, opsPort, tcpPort, upstreamPort, iperfPort, accessLog, issuer }) {
  const file = join(tmp, 'gateway.yaml');
  const upstream = `[ { url: "http://127.0.0.1:${upstreamPort}" } ]`;
  writeFileSync(
    file,
    `listen:
  http: 127.0.0.1:${httpPort}
routes:
  - name: bench
    match: { host: ${HOST}, pathPrefix: / }
    upstreams: ${upstream}
    access: public
  - name: protected
    match: { host: ${PROTECTED_HOST}, pathPrefix: / }
    upstreams: ${upstream}
    access: { jwt: { publicKeyFile: "${issuer.publicKeyFile}", issuer: bench, audience: bench } }
  - name: any
    match: { host: "*", pathPrefix: / }
    upstreams: ${upstream}
    access: public
tcp:
  - name: iperf
    listen: 127.0.0.1:${tcpPort}
    upstreams: [ { address: "127.0.0.1:${iperfPort}" } ]
`,
  );
  const env = {
    ...process.env,
    RUSTRONAUT_GATEWAY_OPS_LISTEN: `127.0.0.1:${opsPort}`,
    RUSTRONAUT_GATEWAY_ACCESS_LOG: String(accessLog),
    RUSTRONAUT_LOG_FORMAT: 'json',
  };
  const child = startProcess('gateway', process.execPath, [...NODE_FLAGS, CLI, 'gateway', '--config', file], {
    env,
    stdout: '/dev/null',
  });
  await waitFor('gateway', async () => (await httpStatus(`http://127.0.0.1:${opsPort}/readyz`)) === 200, { child });
  return { name: 'gateway', port: httpPort, opsPort, pid: child.pid, stop: () => stopProcess(child) };
}

/**
 * A gateway managed by an admin, as `rustronaut start` runs them (admin and gateway in one process, PGlite in the
 * temp dir): a public resource and a protected one (any member of the org) on the same upstream, and a session
 * cookie got through the browser flow (login page intent, access grant, callback), which wrk sends on every request.
 */
async function startManaged({ adminPort, controlPort, httpPort, opsPort, upstreamPort }) {
  const email = 'bench@example.com';
  const password = 'a benchmark passphrase';
  const child = startProcess('managed', process.execPath, [...NODE_FLAGS, CLI, 'start'], {
    env: {
      ...process.env,
      RUSTRONAUT_DATA_DIR: join(tmp, 'managed'),
      RUSTRONAUT_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
      RUSTRONAUT_ADMIN_CONTROL_LISTEN: `127.0.0.1:${controlPort}`,
      RUSTRONAUT_GATEWAY_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
      RUSTRONAUT_GATEWAY_OPS_LISTEN: `127.0.0.1:${opsPort}`,
      RUSTRONAUT_ADMIN_EMAIL: email,
      RUSTRONAUT_ADMIN_PASSWORD: password,
      RUSTRONAUT_LOG_FORMAT: 'json',
      // The gateway is measured here, not WireGuard: no hub interface in the host's namespace.
      RUSTRONAUT_TUNNEL_HUB: 'off',
    },
    stdout: '/dev/null',
  });
  const api = `http://127.0.0.1:${adminPort}`;
  await waitFor('admin', async () => (await httpStatus(`${api}/readyz`)) === 200, { child, timeoutMs: 120_000 });
  const call = async (method, path, body, token) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return res.json();
  };
  const { accessToken } = await call('POST', '/api/v1/auth/login', { email, password });
  const orgId = (await call('GET', '/api/v1/me', undefined, accessToken)).memberships[0].orgId;
  const targets = [{ url: `http://127.0.0.1:${upstreamPort}` }];
  const resource = (name, host, options) => ({ name, kind: 'http', host, targets, options });
  await call('POST', `/api/v1/orgs/${orgId}/resources`, resource('public', HOST, { public: true }), accessToken);
  await call('POST', `/api/v1/orgs/${orgId}/resources`, resource('protected', PROTECTED_HOST, {}), accessToken);
  // The browser flow, by hand: the gateway's redirect to the login page carries the intent.
  const head = (path, extra = '') =>
    new Promise((resolve, reject) => {
      const socket = connect(httpPort, '127.0.0.1');
      let text = '';
      socket.on('data', (c) => (text += c.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${PROTECTED_HOST}\r\nAccept: text/html\r\n${extra}Connection: close\r\n\r\n`,
      );
    });
  let redirect = '';
  await waitFor('the protected route', async () => {
    redirect = await head('/');
    return redirect.startsWith('HTTP/1.1 302');
  });
  const intent = new URL(/\r\nlocation: ([^\r]+)/i.exec(redirect)[1]).searchParams.get('intent');
  const { redirectUrl } = await call('POST', '/api/v1/auth/access-grant', { intent }, accessToken);
  const back = new URL(redirectUrl);
  const callback = await head(back.pathname + back.search);
  const cookie = /\r\nset-cookie: ([^;\r]+)/i.exec(callback)?.[1];
  if (cookie === undefined) throw new Error(`the callback set no cookie:\n${callback}`);
  return { name: 'managed', port: httpPort, pid: child.pid, cookie, stop: () => stopProcess(child) };
}

// --- measurements -----------------------------------------------------------------------------------------------

const UNIT_MS = { us: 1e-3, ms: 1, s: 1e3, m: 60e3 };
const UNIT_BYTES = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** Reads requests/s, p50/p99 (from `--latency`), transfer and errors out of wrk's report. */
function parseWrk(text) {
  const number = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const latency = (pct) => {
    const m = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
    return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
  };
  const transfer = /Transfer\/sec:\s+([\d.]+)([KMGT]?B)/.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    requests: number(/(\d+) requests in/),
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency(50),
    p99Ms: latency(99),
    transferBytesPerSec: transfer ? Number(transfer[1]) * UNIT_BYTES[transfer[2]] : undefined,
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/) ?? 0,
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

async function wrk(port, path, connections, seconds, headers = [`Host: ${HOST}`]) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...headers.flatMap((h) => ['-H', h])];
  const text = await run('wrk', [...args, `http://127.0.0.1:${port}${path}`], (seconds + 20) * 1000);
  const result = parseWrk(text);
  if (result.rps === undefined) throw new Error(`cannot read wrk's report:\n${text}`);
  return result;
}

function warmUp(target) {
  return wrk(target.port, '/', 50, WARMUP_SECONDS, target.headers);
}

/** Small responses with 50 connections, then with 1 connection. */
async function measureSmall(target) {
  const rows = [];
  for (const connections of [50, 1]) {
    const result = await wrk(target.port, '/', connections, SECONDS, target.headers);
    rows.push({ target: target.label, path: '/', connections, ...result });
    console.log(`  ${formatRow(rows.at(-1))}`);
  }
  return rows;
}

/** The protected route answers 200 with the token and 401 without it, or its figures would mean nothing. */
async function checkProtected(target) {
  const [host, authorization] = target.headers.map((h) => h.slice(h.indexOf(':') + 2));
  // A raw request: fetch cannot set Host.
  const answer = async (extra) =>
    new Promise((resolve, reject) => {
      const socket = connect(target.port, '127.0.0.1');
      let text = '';
      socket.on('data', (c) => (text += c.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
      socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`);
    });
  const withToken = await answer(`Authorization: ${authorization}\r\n`);
  const without = await answer('');
  if (withToken !== 200 || without !== 401) {
    throw new Error(`protected route answered ${withToken} with its token and ${without} without (want 200 and 401)`);
  }
}

/** 1 MiB bodies with 8 connections; Gbit/s from requests/s x body size (wrk's Transfer/sec is rounded). */
async function measureLarge(target) {
  const result = await wrk(target.port, '/1m', 8, SECONDS);
  const gbps = (result.rps * LARGE_BYTES * 8) / 1e9;
  const row = { target: target.label, path: '/1m', connections: 8, ...result, gbps };
  console.log(`  ${formatRow(row)}  ${gbps.toFixed(2)} Gbit/s`);
  return row;
}

/**
 * The gateway's memory: VmRSS (what the targets are about) and RssAnon (VmRSS less the mapped node binary and
 * libraries, which other processes share) from /proc, then the V8 heap from its own /metrics.
 */
async function readMemory(gateway) {
  const status = readFileSync(`/proc/${gateway.pid}/status`, 'utf8');
  const kB = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1]) * 1024;
  const metrics = await (await fetch(`http://127.0.0.1:${gateway.opsPort}/metrics`)).text();
  const gauge = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
  return {
    rssBytes: kB('VmRSS'),
    rssAnonBytes: kB('RssAnon'),
    heapUsedBytes: gauge('rustronaut_nodejs_heap_size_used_bytes'),
    heapTotalBytes: gauge('rustronaut_nodejs_heap_size_total_bytes'),
  };
}

/** Memory of the idle gateway, after a second for in-flight work to settle. */
async function measureIdleMemory(gateway, when) {
  await sleep(1000);
  const mem = await readMemory(gateway);
  console.log(`  gateway memory ${when}: ${formatMemory(mem)}`);
  return mem;
}

/** Opens one keep-alive connection, sends one GET and reads the whole response; resolves with the open socket. */
function openKeepAlive(port) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(10_000, () => socket.destroy(new Error('no response within 10 s')));
    let received = Buffer.alloc(0);
    socket.once('error', reject);
    socket.on('data', function onData(chunk) {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = received.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (received.length < end + 4 + length) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      if (!head.startsWith('HTTP/1.1 200')) reject(new Error(`unexpected answer: ${head.split('\r\n', 1)[0]}`));
      else resolve(socket);
    });
    socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: keep-alive\r\n\r\n`);
  });
}

/** Memory while the gateway holds 1,000 open keep-alive client connections (opened 100 at a time). */
async function measureHeldMemory(gateway) {
  const sockets = [];
  let failed = 0;
  try {
    for (let opened = 0; opened < HELD_CONNECTIONS; opened += 100) {
      const batch = await Promise.allSettled(Array.from({ length: 100 }, () => openKeepAlive(gateway.port)));
      for (const outcome of batch) {
        if (outcome.status === 'fulfilled') sockets.push(outcome.value);
        else failed++;
      }
    }
    await sleep(1000);
    const held = { connections: sockets.length, failed, ...(await readMemory(gateway)) };
    console.log(`  gateway memory holding ${held.connections} connections (${failed} failed): ${formatMemory(held)}`);
    return held;
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

/** Starts a one-test iperf3 server and resolves once it says it listens. */
async function startIperfServer(port) {
  // --forceflush: iperf3 buffers its output when it is not a terminal, and we wait for its first line.
  const args = ['-s', '-1', '--forceflush', '-B', '127.0.0.1', '-p', String(port)];
  const child = startProcess('iperf3-server', 'iperf3', args, { stdout: 'pipe' });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => (output += chunk));
  await waitFor('iperf3 server', () => Promise.resolve(output.includes('Server listening')), { child });
  return child;
}

/** TCP throughput of one iperf3 test through `connectPort` to a fresh server on `serverPort`, in Gbit/s. */
async function measureTcp(label, connectPort, serverPort) {
  const server = await startIperfServer(serverPort);
  try {
    const args = ['-c', '127.0.0.1', '-p', String(connectPort), '-t', String(IPERF_SECONDS), '-J'];
    const report = JSON.parse(await run('iperf3', args, (IPERF_SECONDS + 20) * 1000));
    const bps = report.end?.sum_received?.bits_per_second;
    if (typeof bps !== 'number') throw new Error(`iperf3 ${label}: ${report.error ?? 'no sum_received'}`);
    const row = { target: label, gbps: bps / 1e9 };
    console.log(`  ${label.padEnd(28)} ${row.gbps.toFixed(2)} Gbit/s`);
    return row;
  } finally {
    await stopProcess(server, 1000);
  }
}

// --- report -----------------------------------------------------------------------------------------------------

const ms = (v) => (v === undefined ? 'n/a' : `${v.toFixed(3)} ms`);
const fixed = (v, digits = 2) => (v === undefined ? 'n/a' : v.toFixed(digits));

function formatMemory(m) {
  const mb = (bytes) => `${fixed(bytes / MB, 1)} MB`;
  return `RSS ${mb(m.rssBytes)} (anonymous ${mb(m.rssAnonBytes)}), V8 heap ${mb(m.heapUsedBytes)} used of ${mb(m.heapTotalBytes)}`;
}

function formatRow(r) {
  const errors = r.non2xx + r.socketErrors > 0 ? `  errors: ${r.non2xx} non-2xx, ${r.socketErrors} socket` : '';
  const rps = Math.round(r.rps).toLocaleString('en-US');
  return `${r.target.padEnd(28)} ${String(r.connections).padStart(5)} ${rps.padStart(10)} ${ms(r.p50Ms).padStart(11)} ${ms(r.p99Ms).padStart(11)}${errors}`;
}

/** One line of the issue: `value` against `limit`; undefined values (tool missing) are skipped. */
function check(name, value, limit, { atMost = false, unit = '', detail = '' } = {}) {
  if (value === undefined) return { name, met: null, value, limit, text: `skipped   ${name}${detail}` };
  const met = atMost ? value <= limit : value >= limit;
  const text = `${met ? 'met    ' : 'NOT met'}   ${name}: ${fixed(value)}${unit} (target ${atMost ? '<=' : '>='} ${fixed(limit)}${unit})${detail}`;
  return { name, met, value, limit, text };
}

function evaluate(results) {
  const find = (target, connections, path = '/') =>
    results.runs.find((r) => r.target === target && r.connections === connections && r.path === path);
  const gw50 = find('gateway', 50);
  const nginx50 = find('nginx proxy', 50);
  const protected50 = find('gateway, protected route', 50);
  const session50 = find('managed, session cookie', 50);
  const managed50 = find('managed gateway', 50);
  const gw1 = find('gateway', 1);
  const direct1 = find('direct upstream', 1);
  const gwLarge = find('gateway', 8, '/1m');
  const tcpDirect = results.tcp.find((r) => r.target === 'iperf3 direct');
  const tcpGateway = results.tcp.find((r) => r.target === 'iperf3 via gateway');
  return [
    check(
      'small responses, 50 connections: gateway / nginx requests/s',
      nginx50 && gw50.rps / nginx50.rps,
      TARGETS.rpsVsNginx,
      {
        unit: ' x',
        detail: nginx50 ? '' : ' (nginx not installed)',
      },
    ),
    check(
      'protected route (bearer token), 50 connections: gateway / nginx requests/s',
      nginx50 && protected50.rps / nginx50.rps,
      TARGETS.protectedVsNginx,
      { unit: ' x', detail: nginx50 ? '' : ' (nginx not installed)' },
    ),
    check(
      'protected route / public route requests/s, 50 connections',
      protected50.rps / gw50.rps,
      TARGETS.protectedVsPublic,
      { unit: ' x' },
    ),
    check(
      'protected route (session cookie, managed), 50 connections: gateway / nginx requests/s',
      nginx50 && session50.rps / nginx50.rps,
      TARGETS.protectedVsNginx,
      { unit: ' x', detail: nginx50 ? '' : ' (nginx not installed)' },
    ),
    check(
      'session-cookie route / public route of the managed gateway, requests/s, 50 connections',
      session50.rps / managed50.rps,
      TARGETS.protectedVsPublic,
      { unit: ' x' },
    ),
    check('1 connection: gateway p50 - direct p50', gw1.p50Ms - direct1.p50Ms, TARGETS.p50OverDirectMs, {
      atMost: true,
      unit: ' ms',
      detail: ` (gateway ${ms(gw1.p50Ms)}, direct ${ms(direct1.p50Ms)})`,
    }),
    check('RSS idle after warm-up', results.memory.idleAfterWarmup.rssBytes / MB, TARGETS.rssIdleMB, {
      atMost: true,
      unit: ' MB',
    }),
    check(
      `RSS holding ${HELD_CONNECTIONS} keep-alive client connections`,
      results.memory.held.rssBytes / MB,
      TARGETS.rssHeldMB,
      { atMost: true, unit: ' MB' },
    ),
    check('1 MiB bodies through the gateway (8 connections)', gwLarge.gbps, TARGETS.largeGbps, { unit: ' Gbit/s' }),
    check('TCP proxy / direct loopback (iperf3)', tcpGateway && tcpGateway.gbps / tcpDirect.gbps, TARGETS.tcpVsDirect, {
      unit: ' x',
      detail: tcpGateway ? '' : ' (iperf3 not installed)',
    }),
  ];
}

function printReport(results) {
  console.log(`\nRustronaut gateway benchmark (${results.seconds} s runs, wrk -t1, 127.0.0.1)`);
  console.log(`node ${results.node}, ${results.cpus} CPUs, kernel ${results.kernel}`);
  console.log(
    `upstream: ${results.upstream}; reference proxy: ${results.referenceProxy ?? 'none (nginx not installed)'}`,
  );
  console.log(`gateway access log: on (JSON to /dev/null) unless the row says otherwise\n`);
  console.log(
    `${'target'.padEnd(28)} ${'conns'.padStart(5)} ${'req/s'.padStart(10)} ${'p50'.padStart(11)} ${'p99'.padStart(11)}`,
  );
  for (const row of results.runs) {
    const gbps = row.gbps === undefined ? '' : `  ${row.gbps.toFixed(2)} Gbit/s (${row.path})`;
    console.log(`${formatRow(row)}${gbps}`);
  }
  for (const row of results.tcp)
    console.log(`${row.target.padEnd(28)} ${'tcp'.padStart(5)} ${row.gbps.toFixed(2).padStart(10)} Gbit/s`);
  const { memory } = results;
  console.log('\ngateway memory:');
  console.log(`  idle after warm-up            ${formatMemory(memory.idleAfterWarmup)}`);
  console.log(`  idle after the load runs      ${formatMemory(memory.idleAfterLoad)}`);
  console.log(`  holding ${memory.held.connections} connections     ${formatMemory(memory.held)}`);
  console.log('\nratios:');
  for (const [name, value] of Object.entries(results.ratios)) console.log(`  ${name}: ${fixed(value)}`);
  console.log('\ntargets:');
  for (const c of results.checks) console.log(`  ${c.text}`);
  console.log(`\nwrote ${RESULTS}`);
}

function ratios(results) {
  const rps = (target, connections) =>
    results.runs.find((r) => r.target === target && r.connections === connections && r.path === '/')?.rps;
  const gbps = (target) => results.runs.find((r) => r.target === target && r.path === '/1m')?.gbps;
  const tcp = (target) => results.tcp.find((r) => r.target === target)?.gbps;
  const ratio = (a, b) => (a === undefined || b === undefined ? undefined : a / b);
  return {
    'gateway / nginx req/s, 50 conns': ratio(rps('gateway', 50), rps('nginx proxy', 50)),
    'gateway / direct req/s, 50 conns': ratio(rps('gateway', 50), rps('direct upstream', 50)),
    'gateway / nginx req/s, 1 conn': ratio(rps('gateway', 1), rps('nginx proxy', 1)),
    'protected route / nginx req/s, 50 conns': ratio(rps('gateway, protected route', 50), rps('nginx proxy', 50)),
    'protected route / public route req/s, 50 conns': ratio(rps('gateway, protected route', 50), rps('gateway', 50)),
    'session cookie / nginx req/s, 50 conns': ratio(rps('managed, session cookie', 50), rps('nginx proxy', 50)),
    'session cookie / managed public route req/s, 50 conns': ratio(
      rps('managed, session cookie', 50),
      rps('managed gateway', 50),
    ),
    'gateway (no access log) / gateway req/s, 50 conns': ratio(rps('gateway, access log off', 50), rps('gateway', 50)),
    'gateway / direct Gbit/s, 1 MiB bodies': ratio(gbps('gateway'), gbps('direct upstream')),
    'gateway / direct Gbit/s, TCP': ratio(tcp('iperf3 via gateway'), tcp('iperf3 direct')),
  };
}

// --- the run ------------------------------------------------------------------------------------------------------

async function main() {
  if (!installed('wrk')) throw new Error('wrk is not installed (apt-get install -y wrk)');
  const ports = {};
  for (const name of ['upstream', 'nginx', 'http', 'ops', 'tcp', 'iperf', 'admin', 'control', 'mhttp', 'mops']) {
    ports[name] = await freePort();
  }
  const withNginx = installed('nginx');
  const withIperf = installed('iperf3');
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    kernel: release(),
    seconds: SECONDS,
    upstream: '',
    referenceProxy: withNginx ? 'nginx, 1 worker, keepalive 64' : undefined,
    runs: [],
    tcp: [],
    memory: {},
  };

  const upstream = await startUpstream(ports.upstream);
  results.upstream = upstream.kind === 'nginx' ? 'nginx (1 worker)' : 'Node http server (nginx not installed)';
  console.log(`upstream: ${results.upstream} on 127.0.0.1:${upstream.port}`);
  const proxy = withNginx ? await startNginxProxy(ports.nginx, ports.upstream) : undefined;
  const issuer = createIssuer();
  const gatewayPorts = {
    issuer,
    httpPort: ports.http,
    opsPort: ports.ops,
    tcpPort: ports.tcp,
    upstreamPort: ports.upstream,
    iperfPort: ports.iperf,
  };
  let gateway = await startGateway({ ...gatewayPorts, accessLog: true });

  const gatewayTarget = { label: 'gateway', port: gateway.port };
  const targets = [
    { label: 'direct upstream', port: upstream.port },
    ...(proxy ? [{ label: 'nginx proxy', port: proxy.port }] : []),
    gatewayTarget,
    {
      label: 'gateway, protected route',
      port: gateway.port,
      headers: [`Host: ${PROTECTED_HOST}`, `Authorization: Bearer ${issuer.token}`],
    },
  ];
  console.log('small responses:');
  for (const target of targets) {
    await warmUp(target);
    if (target === gatewayTarget) results.memory.idleAfterWarmup = await measureIdleMemory(gateway, 'after warm-up');
    if (target.label === 'gateway, protected route') await checkProtected(target);
    results.runs.push(...(await measureSmall(target)));
  }
  results.memory.idleAfterLoad = await measureIdleMemory(gateway, 'after the load runs');
  results.memory.held = await measureHeldMemory(gateway);

  console.log('1 MiB bodies:');
  for (const target of targets) results.runs.push(await measureLarge(target));

  if (withIperf) {
    console.log('TCP (iperf3):');
    results.tcp.push(await measureTcp('iperf3 direct', ports.iperf, ports.iperf));
    results.tcp.push(await measureTcp('iperf3 via gateway', ports.tcp, ports.iperf));
  } else {
    console.log('TCP: skipped, iperf3 is not installed (apt-get install -y iperf3)');
  }

  console.log('gateway with the access log off:');
  await gateway.stop();
  gateway = await startGateway({ ...gatewayPorts, accessLog: false });
  const quiet = { label: 'gateway, access log off', port: gateway.port };
  await warmUp(quiet);
  results.runs.push(...(await measureSmall(quiet)));

  await gateway.stop();

  console.log('managed gateway (rustronaut start: admin and gateway in one process):');
  const managed = await startManaged({
    adminPort: ports.admin,
    controlPort: ports.control,
    httpPort: ports.mhttp,
    opsPort: ports.mops,
    upstreamPort: ports.upstream,
  });
  for (const target of [
    { label: 'managed gateway', port: managed.port },
    {
      label: 'managed, session cookie',
      port: managed.port,
      headers: [`Host: ${PROTECTED_HOST}`, `Cookie: ${managed.cookie}`],
    },
  ]) {
    await warmUp(target);
    results.runs.push(...(await measureSmall(target)));
  }
  await managed.stop();
  await proxy?.stop();
  await upstream.stop();

  results.ratios = ratios(results);
  results.checks = evaluate(results);
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  printReport(results);
}

try {
  await main();
} catch (err) {
  console.error(`benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
  console.error(`configs and logs of the processes it started are kept in ${tmp}`);
  keepTmp = true;
  process.exitCode = 1;
} finally {
  await stopAll();
}
