// The image's HEALTHCHECK, for every role: healthy when one of the process's health endpoints answers 200.
// RUSTRONAUT_HEALTHCHECK_URL names the endpoint; by default the gateway's operations listener and the admin API are
// tried, which covers `start`, `admin` and `gateway`.
const port = (address, fallback) => /:(\d+)$/.exec(address ?? '')?.[1] ?? fallback;
const urls = process.env.RUSTRONAUT_HEALTHCHECK_URL
  ? [process.env.RUSTRONAUT_HEALTHCHECK_URL]
  : [
      `http://127.0.0.1:${port(process.env.RUSTRONAUT_GATEWAY_OPS_LISTEN, '9090')}/healthz`,
      `http://127.0.0.1:${port(process.env.RUSTRONAUT_ADMIN_LISTEN, '8080')}/healthz`,
    ];

for (const url of urls) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (res.status === 200) process.exit(0);
  } catch {
    // Not listening here: try the next one.
  }
}
console.error(`unhealthy: no 200 from ${urls.join(' or ')}`);
process.exit(1);
