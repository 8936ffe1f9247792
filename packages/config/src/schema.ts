import { z } from 'zod';
import { listenAddressSchema, type ListenAddress as ListenAddressValue } from './listen-address.js';

/** Named ACME directories accepted by `acme.directoryUrl` (RFC 8555 section 7.1.1). */
export const ACME_DIRECTORIES = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

/** One leaf of the static configuration: where it comes from, what it means and how it is checked. */
export interface ConfigField<T> {
  /** Environment variable that sets the field; it wins over the YAML file. */
  readonly env: string;
  /** What the field does; rendered into docs/configuration.md. */
  readonly description: string;
  /** Default, written as a user would write it; undefined means "unset". */
  readonly default: string | undefined;
  /** Never print the value (e.g. a URL with a password). */
  readonly secret?: boolean;
  /** Validates and converts the raw value (a string from the environment, any YAML scalar from the file). */
  readonly schema: z.ZodType<T>;
}

function field<T>(spec: ConfigField<T>): ConfigField<T> {
  return spec;
}

const nonEmpty = z.string().trim().min(1, 'expected a non-empty string');

const databaseUrl = z.string().refine((text) => {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}, 'expected a postgres:// or postgresql:// URL');

/**
 * The static configuration schema. Every leaf is a {@link ConfigField}; nesting mirrors the YAML file.
 * Static config is read once at boot; routes and policies are dynamic and come from the admin.
 */
export const configSchema = {
  dataDir: field({
    env: 'RUSTRONAUT_DATA_DIR',
    description:
      'Directory for local state: the embedded PGlite database and key files. Created with mode 0700 if missing; relative paths are resolved against the working directory.',
    default: './data',
    schema: nonEmpty,
  }),
  databaseUrl: field<string | undefined>({
    env: 'DATABASE_URL',
    description:
      'PostgreSQL connection URL. When unset, the admin uses an embedded PGlite database stored in the data directory.',
    default: undefined,
    secret: true,
    schema: databaseUrl.optional(),
  }),
  log: {
    level: field({
      env: 'RUSTRONAUT_LOG_LEVEL',
      description: 'Minimum log level: trace, debug, info, warn, error or fatal.',
      default: 'info',
      schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
    }),
    format: field({
      env: 'RUSTRONAUT_LOG_FORMAT',
      description:
        'Log format: `json` (one object a line), `pretty` (for people), or `auto` (pretty on a terminal, JSON otherwise).',
      default: 'auto',
      schema: z.enum(['auto', 'json', 'pretty']),
    }),
  },
  masterKey: field<string | undefined>({
    env: 'RUSTRONAUT_MASTER_KEY',
    description:
      'Key that encrypts secrets at rest (signing keys, the CA key, TOTP secrets): 32 bytes as base64 or 64 hex digits. Unset: a key file `master.key` (mode 0600) is created in the data directory and used.',
    default: undefined,
    secret: true,
    schema: z
      .string()
      .trim()
      .refine(
        (text) => /^[0-9a-fA-F]{64}$/.test(text) || Buffer.from(text, 'base64').length === 32,
        'expected 32 bytes as base64 or 64 hex digits (e.g. from `openssl rand -base64 32`)',
      )
      .optional(),
  }),
  admin: {
    listen: field({
      env: 'RUSTRONAUT_ADMIN_LISTEN',
      description: 'Address of the admin API and console, as host:port.',
      default: '127.0.0.1:8080',
      schema: listenAddressSchema,
    }),
    publicUrl: field<string | undefined>({
      env: 'RUSTRONAUT_ADMIN_PUBLIC_URL',
      description:
        'URL at which people and agents reach the admin (used in the setup link and enrolment commands). Unset: derived from `admin.listen`.',
      default: undefined,
      schema: z
        .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
        .transform((text) => text.replace(/\/+$/, ''))
        .optional(),
    }),
    controlListen: field({
      env: 'RUSTRONAUT_ADMIN_CONTROL_LISTEN',
      description:
        'Address of the control channel (mutual TLS) where enrolled gateways fetch their config snapshot and receive pushes, as host:port.',
      default: '127.0.0.1:8081',
      schema: listenAddressSchema,
    }),
    opsListen: field<ListenAddressValue | undefined>({
      env: 'RUSTRONAUT_ADMIN_OPS_LISTEN',
      description:
        'Address of the admin operations listener (`/healthz`, `/readyz`, `/metrics`: certificate expiry, audit chain verification), as host:port. Unset: none (`rustronaut start` serves these metrics on `gateway.opsListen`). Keep it private.',
      default: undefined,
      schema: listenAddressSchema.optional(),
    }),
    auditVerifyIntervalMinutes: field({
      env: 'RUSTRONAUT_ADMIN_AUDIT_VERIFY_INTERVAL_MINUTES',
      description:
        'How often the admin verifies the audit hash chains in the background (the result is the `rustronaut_audit_verification_ok` metric; a broken chain is logged as an error). 0 turns it off.',
      default: '60',
      schema: z.coerce.number().int().min(0).max(10_080),
    }),
    initialEmail: field<string | undefined>({
      env: 'RUSTRONAUT_ADMIN_EMAIL',
      description:
        'On first start, create the owner account with this email (together with `admin.initialPassword`). Unset: a one-time setup link, valid for one hour, is printed in the log.',
      default: undefined,
      schema: z.email({ error: 'expected an email address' }).optional(),
    }),
    initialPassword: field<string | undefined>({
      env: 'RUSTRONAUT_ADMIN_PASSWORD',
      description: 'Password of the first owner account (at least 12 characters); read once, on first start.',
      default: undefined,
      secret: true,
      schema: z.string().min(12, 'expected at least 12 characters').max(1024).optional(),
    }),
  },
  auth: {
    lockoutThreshold: field({
      env: 'RUSTRONAUT_AUTH_LOCKOUT_THRESHOLD',
      description: 'Failed sign-ins of one account within `auth.lockoutWindowMinutes` that lock it.',
      default: '10',
      schema: z.coerce.number().int().min(1).max(1000),
    }),
    lockoutWindowMinutes: field({
      env: 'RUSTRONAUT_AUTH_LOCKOUT_WINDOW_MINUTES',
      description: 'Window in which failed sign-ins are counted, and how long a locked account stays locked.',
      default: '15',
      schema: z.coerce.number().int().min(1).max(10_080),
    }),
    ipFailureLimit: field({
      env: 'RUSTRONAUT_AUTH_IP_FAILURE_LIMIT',
      description:
        'Failed sign-ins from one source address within the lockout window after which that address gets 429 for every sign-in.',
      default: '50',
      schema: z.coerce.number().int().min(1).max(100_000),
    }),
  },
  gateway: {
    httpListen: field({
      env: 'RUSTRONAUT_GATEWAY_HTTP_LISTEN',
      description: 'Address of the gateway HTTP listener, as host:port; `:8000` binds every interface.',
      default: ':8000',
      schema: listenAddressSchema,
    }),
    blockAfterRefusals: field({
      env: 'RUSTRONAUT_GATEWAY_BLOCK_AFTER_REFUSALS',
      description:
        'Refused requests (401, 403) to protected routes from one source address within `gateway.blockWindowSeconds` after which that address is blocked (429) for `gateway.blockSeconds`; 0 turns blocking off.',
      default: '50',
      schema: z.coerce.number().int().min(0).max(1_000_000),
    }),
    blockWindowSeconds: field({
      env: 'RUSTRONAUT_GATEWAY_BLOCK_WINDOW_SECONDS',
      description: 'Window in which refusals from one source address are counted.',
      default: '60',
      schema: z.coerce.number().int().min(1).max(86_400),
    }),
    blockSeconds: field({
      env: 'RUSTRONAUT_GATEWAY_BLOCK_SECONDS',
      description:
        'How long a blocked source address stays blocked; each block is in the audit log (`access.blocked`).',
      default: '300',
      schema: z.coerce.number().int().min(1).max(86_400),
    }),
    accessLog: field({
      env: 'RUSTRONAUT_GATEWAY_ACCESS_LOG',
      description:
        'Write one JSON access-log line per request (method, host, path without query, status, duration, route, upstream, client). Never includes cookies or credentials.',
      default: 'true',
      schema: z.stringbool(),
    }),
    requestHeadTimeoutMs: field({
      env: 'RUSTRONAUT_GATEWAY_REQUEST_HEAD_TIMEOUT_MS',
      description: 'A client must send its whole request head within this time, or gets 408 (slow-loris protection).',
      default: '10000',
      schema: z.coerce.number().int().min(100).max(600_000),
    }),
    maxHeaderBytes: field({
      env: 'RUSTRONAUT_GATEWAY_MAX_HEADER_BYTES',
      description: 'Largest accepted request head (request line and headers), in bytes; larger ones get 431.',
      default: '16384',
      schema: z.coerce.number().int().min(1024).max(1_048_576),
    }),
    drainTimeoutMs: field({
      env: 'RUSTRONAUT_GATEWAY_DRAIN_TIMEOUT_MS',
      description:
        'On SIGTERM, how long in-flight requests and connections may run before they are cut. The process exits at most 2 s after this.',
      default: '3000',
      schema: z.coerce.number().int().min(0).max(600_000),
    }),
    redisUrl: field<string | undefined>({
      env: 'RUSTRONAUT_REDIS_URL',
      description:
        'Redis URL (`redis://` or `rediss://`) for rate-limit counters shared between gateways. Unset: counters are kept in each gateway process.',
      default: undefined,
      secret: true,
      schema: z
        .string()
        .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
        .optional(),
    }),
    httpsListen: field<ListenAddressValue | undefined>({
      env: 'RUSTRONAUT_GATEWAY_HTTPS_LISTEN',
      description:
        'Address of the HTTPS listener of a gateway managed by the admin (`rustronaut start`, `rustronaut gateway --admin`), as host:port; it serves the certificates the admin sends (ACME, uploaded, or from the built-in CA until issuance) by SNI and answers TLS-ALPN-01 challenges. Unset: no HTTPS listener. A standalone gateway sets `listen.https` in its file instead.',
      default: undefined,
      schema: listenAddressSchema.optional(),
    }),
    opsListen: field({
      env: 'RUSTRONAUT_GATEWAY_OPS_LISTEN',
      description:
        'Address of the gateway operations listener (`/healthz`, `/readyz`, `/metrics`), as host:port. Keep it private.',
      default: '127.0.0.1:9090',
      schema: listenAddressSchema,
    }),
  },
  acme: {
    directoryUrl: field<string | undefined>({
      env: 'RUSTRONAUT_ACME_DIRECTORY_URL',
      description:
        'ACME directory that issues certificates for resource hosts: `letsencrypt`, `letsencrypt-staging`, or any https:// directory URL (e.g. a private CA). Unset: no ACME; gateways serve certificates of the built-in CA (and uploaded ones). See docs/certificates.md.',
      default: undefined,
      schema: z
        .string()
        .trim()
        .transform((text, ctx) => {
          const named = ACME_DIRECTORIES[text as keyof typeof ACME_DIRECTORIES];
          if (named !== undefined) return named;
          if (/^https:\/\/[^/\s]+/.test(text)) return text;
          ctx.addIssue({ code: 'custom', message: 'expected letsencrypt, letsencrypt-staging or an https:// URL' });
          return z.NEVER;
        })
        .optional(),
    }),
    email: field<string | undefined>({
      env: 'RUSTRONAUT_ACME_EMAIL',
      description:
        'Contact email of the ACME account (the CA writes about expiring certificates and policy changes). Only its shape is checked here; the CA decides whether it accepts it, and a refusal shows in the status of every host. Unset: an account without contact.',
      default: undefined,
      schema: z
        .string()
        .trim()
        .regex(/^[^\s@]+@[^\s@]+$/, 'expected an email address')
        .optional(),
    }),
    trustedRootFile: field<string | undefined>({
      env: 'RUSTRONAUT_ACME_TRUSTED_ROOT_FILE',
      description:
        "PEM file with extra CA certificates trusted for the ACME directory's HTTPS (a test CA such as pebble, or a private CA), besides the system roots.",
      default: undefined,
      schema: nonEmpty.optional(),
    }),
    challenge: field({
      env: 'RUSTRONAUT_ACME_CHALLENGE',
      description:
        'How hosts prove control: `http-01` (the gateway answers on its HTTP listener, which must be reachable on port 80) or `tls-alpn-01` (on its HTTPS listener, port 443). Hosts of a domain with a DNS provider (`/api/v1/orgs/{orgId}/dns-providers`) use `dns-01` instead.',
      default: 'http-01',
      schema: z.enum(['http-01', 'tls-alpn-01']),
    }),
  },
  tunnel: {
    hub: field({
      env: 'RUSTRONAUT_TUNNEL_HUB',
      description:
        '`auto`: `rustronaut start` also runs the tunnel hub when this host can run WireGuard (root or CAP_NET_ADMIN, and wireguard-go with /dev/net/tun or the kernel module), and says what is missing when it cannot; `off`: it never does (run `rustronaut tunnel` elsewhere).',
      default: 'auto',
      schema: z.enum(['auto', 'off']),
    }),
    pool: field({
      env: 'RUSTRONAUT_TUNNEL_POOL',
      description:
        'IPv4 prefix from which tunnel addresses are allocated (the hub gets the first host address, sites and client devices the next free ones). The default sits inside RFC 6598 shared address space (100.64.0.0/10), which no LAN or Internet route uses. Changing it leaves addresses already allocated as they are.',
      default: '100.96.0.0/16',
      schema: z
        .string()
        .trim()
        .regex(
          /^\d{1,3}(\.\d{1,3}){3}\/([0-9]|[12][0-9]|30)$/,
          'expected an IPv4 prefix of at most /30, e.g. 100.96.0.0/16',
        ),
    }),
    listenPort: field({
      env: 'RUSTRONAUT_TUNNEL_LISTEN_PORT',
      description: 'UDP port the tunnel hub listens on for WireGuard.',
      default: '51820',
      schema: z.coerce.number().int().min(1).max(65_535),
    }),
    endpoint: field<string | undefined>({
      env: 'RUSTRONAUT_TUNNEL_ENDPOINT',
      description:
        'Where connectors and client devices reach the hub, as `host:port` (a DNS name or an IP address; the port is usually `tunnel.listenPort`). Unset: the host of `admin.publicUrl` (or of the admin URL the hub enrolled with) and `tunnel.listenPort`.',
      default: undefined,
      schema: z
        .string()
        .trim()
        .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port, e.g. vpn.example.com:51820')
        .optional(),
    }),
    interface: field({
      env: 'RUSTRONAUT_TUNNEL_INTERFACE',
      description: "Name of the hub's WireGuard interface (at most 15 characters).",
      default: 'rustronaut0',
      schema: z.string().regex(/^[A-Za-z0-9_=+.-]{1,15}$/, 'expected an interface name of 1-15 characters'),
    }),
    opsListen: field({
      env: 'RUSTRONAUT_TUNNEL_OPS_LISTEN',
      description:
        'Address of the tunnel hub operations listener (`/healthz`, `/readyz`, `/metrics` with per-peer handshake and byte counters), as host:port. `rustronaut start` serves these metrics on `gateway.opsListen` instead.',
      default: '127.0.0.1:9091',
      schema: listenAddressSchema,
    }),
  },
  connector: {
    interface: field({
      env: 'RUSTRONAUT_CONNECTOR_INTERFACE',
      description:
        "Name of the site connector's WireGuard interface (at most 15 characters; unique on the host, whose `/var/run/wireguard` every network namespace shares).",
      default: 'rustronaut-site',
      schema: z.string().regex(/^[A-Za-z0-9_=+.-]{1,15}$/, 'expected an interface name of 1-15 characters'),
    }),
    opsListen: field<ListenAddressValue | undefined>({
      env: 'RUSTRONAUT_CONNECTOR_OPS_LISTEN',
      description:
        'Address of the connector operations listener (`/healthz`, `/readyz` once the tunnel is up, `/metrics`: the last handshake with the hub, target health, device restarts), as host:port. Unset: none. Keep it private.',
      default: undefined,
      schema: listenAddressSchema.optional(),
    }),
  },
} as const;

/** A node of the schema tree: a field or a group of nodes. */
export type ConfigNode = ConfigField<unknown> | { readonly [key: string]: ConfigNode };

type Infer<N> = N extends ConfigField<infer T> ? T : { readonly [K in keyof N]: Infer<N[K]> };

/** The validated, frozen static configuration. */
export type Config = Infer<typeof configSchema> & {
  /** The YAML file the configuration was read from, if any. */
  readonly configFile: string | undefined;
};

/** True when a schema node is a leaf. */
export function isConfigField(node: ConfigNode): node is ConfigField<unknown> {
  return typeof (node as { env?: unknown }).env === 'string';
}

/** Every leaf with its dotted YAML path, in schema order. */
export function listConfigFields(
  node: ConfigNode = configSchema,
  prefix = '',
): Array<{ path: string; field: ConfigField<unknown> }> {
  if (isConfigField(node)) return [{ path: prefix, field: node }];
  return Object.entries(node).flatMap(([key, child]) => listConfigFields(child, prefix ? `${prefix}.${key}` : key));
}
