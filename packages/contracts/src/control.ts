import { z } from 'zod';
import { gatewayFileSchema, httpUpstreamSchema } from './gateway-config.js';
import { hubTunnelConfig, siteTunnelConfig } from './tunnel.js';

// The control channel between the admin and its gateways (docs/control-plane.md): enrolment on the admin API,
// then config snapshots, a push stream and heartbeats over mutual TLS on the control listener.

const id = z.uuid().describe('UUID.');
const timestamp = z.iso.datetime({ offset: true }).describe('RFC 3339 timestamp.');
const pem = (label: string, description: string) =>
  z
    .string()
    .max(16_384)
    .regex(new RegExp(`^\\s*-----BEGIN ${label}-----[\\s\\S]+-----END ${label}-----\\s*$`), `expected a PEM ${label}`)
    .describe(description);

/** Shape of a one-time enrolment token: `rgw_` and 32 random bytes in base64url. */
export const ENROL_TOKEN_PATTERN = /^rgw_[A-Za-z0-9_-]{43}$/;

/**
 * `targets` of an HTTP resource: the upstreams of its route, e.g. `[{ "url": "http://10.0.0.5:8080", "weight": 2 }]`.
 */
export const httpResourceTargetsSchema = z
  .array(httpUpstreamSchema)
  .min(1)
  .max(64)
  .describe('Upstreams of an HTTP resource: `[{ url, weight? }]`.');

/** One target of a TCP resource. */
export const tcpResourceTargetSchema = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:-]+$/, 'expected a host name or IP address')
      .describe('Host name or IP address (IPv6 without brackets).'),
    port: z.number().int().min(1).max(65_535).describe('TCP port.'),
    weight: z.number().int().positive().max(1000).default(1).describe('Relative share of connections; default 1.'),
  })
  .describe('A TCP upstream.');

/** `targets` of a TCP resource, e.g. `[{ "host": "10.0.0.7", "port": 5432 }]`. */
export const tcpResourceTargetsSchema = z
  .array(tcpResourceTargetSchema)
  .min(1)
  .max(64)
  .describe('Upstreams of a TCP resource: `[{ host, port, weight? }]`.');

/** `POST /api/v1/agents/enrol`: a gateway trades its one-time token and CSR for a client certificate. */
export const enrolRequest = z
  .strictObject({
    token: z.string().regex(ENROL_TOKEN_PATTERN, 'expected an enrolment token (rgw_...)').describe('One-time token.'),
    csr: pem(
      'CERTIFICATE REQUEST',
      "PKCS#10 request (PEM) for the agent's ECDSA P-256 key; its subject is ignored, its signature checked.",
    ),
  })
  .describe('Enrolment of an agent.');
/** Body of an enrolment request. */
export type EnrolRequest = z.infer<typeof enrolRequest>;

/** Answer to a successful enrolment. */
export const enrolResponse = z
  .object({
    gatewayId: id.describe('Id of the enrolled gateway.'),
    orgId: id.describe('Organisation whose configuration the gateway serves.'),
    certificate: pem('CERTIFICATE', 'Client certificate (PEM) for the control channel.'),
    caCertificate: pem('CERTIFICATE', 'The admin CA (PEM): trust it for the control listener, and only it.'),
    controlUrl: z.url().describe('Base URL of the control listener (`https://host:port`).'),
  })
  .describe('Identity of an enrolled agent.');
/** Body of an enrolment response. */
export type EnrolResponse = z.infer<typeof enrolResponse>;

/** Shape of an intent key: 32 random bytes in base64url. */
export const INTENT_KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** First segment of a redirect intent (`v1.<orgId>.<base64url(iv | ciphertext | tag)>`, AES-256-GCM, AAD = org id). */
export const INTENT_VERSION = 'v1';
/** The plaintext of a redirect intent: where the browser wanted to go. */
export const redirectIntent = z.strictObject({
  resourceId: id,
  origin: z.url().max(300),
  path: z.string().min(1).max(2048).startsWith('/'),
  exp: z.number().int().describe('Expiry, seconds since the epoch.'),
});
/** A decrypted redirect intent. */
export type RedirectIntent = z.infer<typeof redirectIntent>;

/** A member of the org, as gateways authenticate them: current roles, disabled or not. */
const accessPrincipal = z.object({
  id,
  email: z.string().max(320),
  roles: z.array(z.string().max(64)).max(100),
  disabled: z.boolean(),
});

/** An API key of the org, as gateways check it: never the key, only its SHA-256. */
const accessApiKey = z.object({
  prefix: z.string().min(1).max(32),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  userId: id,
  expiresAt: timestamp.nullable(),
});

/**
 * The org-wide part of a snapshot that protected routes need: who can sign in, what is revoked, the keys, the
 * policies. Sent only over the mutual-TLS control channel; it holds two secrets (the intent and assertion keys).
 */
export const snapshotAccess = z
  .object({
    issuer: z.string().min(1).max(256).describe('`iss` of the session tokens the admin signs.'),
    loginUrl: z.url().describe('The console login page unauthenticated browsers are sent to.'),
    keys: z
      .array(z.record(z.string(), z.unknown()))
      .max(16)
      .describe("The admin's public signing keys (JWK), for session tokens."),
    intentKey: z.string().regex(INTENT_KEY_PATTERN).describe('Key that encrypts redirect intents (secret).'),
    assertionKey: pem('PRIVATE KEY', 'Ed25519 key (PKCS#8) signing `X-Rustronaut-Assertion` (secret).'),
    principals: z.array(accessPrincipal).describe('Members of the org.'),
    revokedSessions: z.array(id).describe('Sessions revoked before their expiry.'),
    apiKeys: z.array(accessApiKey).describe('Usable API keys of the org.'),
    policies: z
      .record(id, z.object({ rules: z.array(z.unknown()) }))
      .describe('Rules of the policies that routes name, by id.'),
    deviceCas: z
      .array(pem('CERTIFICATE', 'A CA certificate.'))
      .max(100)
      .default([])
      .describe("CAs of the org's device certificates, trusted for routes with `clientCertificate`."),
  })
  .describe('Sign-in material and policies of an org, for its gateways.');
/** The parsed access part of a snapshot. */
export type SnapshotAccess = z.output<typeof snapshotAccess>;

const hostName = z
  .string()
  .max(253)
  .regex(/^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'expected a host name')
  .describe('Lower-case DNS name.');

/** A certificate (chain and key) a managed gateway serves by SNI. */
export const snapshotCertificate = z
  .object({
    id: id.describe('Id of the certificate in the admin.'),
    source: z
      .enum(['upload', 'acme', 'builtin'])
      .describe('Where it came from; a gateway prefers `upload`, then `acme`, then `builtin` for a host.'),
    hosts: z.array(hostName).min(1).max(100).describe('Names it serves.'),
    certPem: pem('CERTIFICATE', 'The leaf first, then its intermediates (PEM).'),
    keyPem: pem('PRIVATE KEY', 'The private key (PKCS#8 PEM); only ever sent over the mutual-TLS control channel.'),
  })
  .describe('A served certificate.');
/** A certificate in a snapshot. */
export type SnapshotCertificate = z.infer<typeof snapshotCertificate>;

/** An ACME challenge (RFC 8555 section 8) the gateway answers while the admin validates a host. */
export const snapshotChallenge = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('http-01'),
      host: hostName,
      token: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,256}$/, 'expected a base64url token')
        .describe('Answered at `/.well-known/acme-challenge/<token>` on the HTTP listener (RFC 8555 section 8.3).'),
      keyAuthorization: z.string().max(512).describe('The body to answer with.'),
    }),
    z.object({
      type: z.literal('tls-alpn-01'),
      host: hostName,
      certPem: pem('CERTIFICATE', 'Self-signed validation certificate with the acmeIdentifier extension (RFC 8737).'),
      keyPem: pem('PRIVATE KEY', 'Its throwaway key.'),
    }),
  ])
  .describe('A pending ACME challenge.');
/** A challenge in a snapshot. */
export type SnapshotChallenge = z.infer<typeof snapshotChallenge>;

/** The TLS part of a snapshot: certificates by host, and pending ACME challenges. */
export const snapshotTls = z
  .object({
    certificates: z.array(snapshotCertificate).max(10_000).default([]).describe('Certificates to serve.'),
    challenges: z.array(snapshotChallenge).max(1000).default([]).describe('ACME challenges to answer.'),
  })
  .describe('Certificates and ACME challenges for the HTTPS and HTTP listeners of a managed gateway.');
/** A parsed TLS part of a snapshot. */
export type SnapshotTls = z.output<typeof snapshotTls>;

/** `GET /v1/snapshot` on the control listener: the org's whole gateway configuration at one version. */
export const configSnapshot = z
  .object({
    orgId: id.describe('Organisation the configuration belongs to.'),
    version: z.number().int().min(0).describe('Config version; higher is newer. 0 before any change.'),
    config: gatewayFileSchema.describe('Routes and TCP listeners, in the standalone gateway file format.'),
    access: snapshotAccess.optional().describe('Present when the admin can sign users in for its gateways.'),
    tls: snapshotTls.default({ certificates: [], challenges: [] }),
    tunnel: hubTunnelConfig.optional().describe('For a tunnel hub: its address and peers.'),
    site: siteTunnelConfig.optional().describe('For a site connector: its address, hub and targets.'),
  })
  .describe('A versioned configuration snapshot.');
/** A parsed snapshot. */
export type ConfigSnapshot = z.output<typeof configSnapshot>;

/** Data of the `version` event of `GET /v1/stream`: the newest config version of the org. */
export const versionEvent = z
  .object({ version: z.number().int().min(0).describe('Newest config version; fetch the snapshot when newer.') })
  .describe('A config version announcement.');
/** A parsed version event. */
export type VersionEvent = z.infer<typeof versionEvent>;

const statusValue = z.union([z.string().max(512), z.number(), z.boolean(), z.null()]);

/** `POST /v1/heartbeat` on the control listener. */
export const heartbeatRequest = z
  .strictObject({
    agentVersion: z.string().min(1).max(64).describe('Software version of the agent.'),
    configVersion: z.number().int().min(0).describe('Config version the agent serves.'),
    status: z
      .record(z.string().max(64), statusValue)
      .refine((s) => Object.keys(s).length <= 32, 'at most 32 status fields')
      .default({})
      .describe('Flat status fields (e.g. `routes`, `uptimeSeconds`, `lastError`).'),
  })
  .describe('Liveness and status report of an agent.');
/** Body of a heartbeat. */
export type HeartbeatRequest = z.infer<typeof heartbeatRequest>;

/** `POST /api/v1/orgs/{orgId}/gateways`. */
export const gatewayCreateBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).describe('Name, unique in the organisation (e.g. `edge-eu-1`).'),
    kind: z
      .enum(['gateway', 'hub'])
      .default('gateway')
      .describe('`gateway`, or `hub` for a WireGuard tunnel hub (`rustronaut tunnel`); default `gateway`.'),
  })
  .describe('A gateway to create; the answer carries its one-time enrolment token.');
/** Body of a gateway creation. */
export type GatewayCreateBody = z.infer<typeof gatewayCreateBody>;

/** A gateway as the API shows it. Never carries the token hash or the certificate fingerprint. */
export const gatewayView = z
  .object({
    id,
    orgId: id,
    name: z.string(),
    kind: z.enum(['gateway', 'hub']).describe('`gateway` or `hub` (tunnel hub).'),
    wgPublicKey: z.string().nullable().describe("A hub's WireGuard public key, as it reported it."),
    wgEndpoint: z.string().nullable().describe('Where sites and devices reach a hub (`host:port`), as it reported it.'),
    enrolled: z.boolean().describe('True once the gateway holds a certificate.'),
    enrolledAt: timestamp.nullable(),
    enrolTokenExpiresAt: timestamp.nullable().describe('Expiry of the unused enrolment token, if there is one.'),
    certSerial: z.string().nullable().describe('Serial number of the client certificate, hex.'),
    certExpiresAt: timestamp.nullable(),
    lastSeenAt: timestamp.nullable().describe('Last heartbeat or stream connection.'),
    agentVersion: z.string().nullable(),
    configVersion: z.number().int().nullable().describe('Config version the gateway last reported serving.'),
    status: z.record(z.string(), z.unknown()).nullable().describe('Status fields of the last heartbeat.'),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .describe('An enrolled or pending gateway.');
/** A gateway in API answers. */
export type GatewayView = z.infer<typeof gatewayView>;

/** Answer to creating a gateway or issuing it a new token: the token is shown this once. */
export const gatewayTokenResponse = z
  .object({
    gateway: gatewayView,
    enrolToken: z
      .string()
      .describe('One-time enrolment token, valid one hour; shown only now (`rustronaut gateway --enrol-token-file`).'),
    enrolTokenExpiresAt: timestamp,
  })
  .describe('A gateway and its new enrolment token.');
/** Body of a gateway creation or token answer. */
export type GatewayTokenResponse = z.infer<typeof gatewayTokenResponse>;

/** Shape of a one-time access code: `rac_` and 32 random bytes in base64url. */
export const ACCESS_CODE_PATTERN = /^rac_[A-Za-z0-9_-]{43}$/;

/** `POST /v1/access/redeem` on the control listener: a gateway trades a browser's one-time code for a session. */
export const accessRedeemRequest = z
  .strictObject({
    code: z.string().regex(ACCESS_CODE_PATTERN, 'expected an access code (rac_...)'),
    origin: z.url().max(300).describe('Origin the browser presented the code on.'),
  })
  .describe('A one-time access code to redeem.');
/** Body of a redeem request. */
export type AccessRedeemRequest = z.infer<typeof accessRedeemRequest>;

/** Answer to a redeemed code: the session token for the cookie, and where to send the browser. */
export const accessRedeemResponse = z
  .object({
    token: z.string().describe('Session token (EdDSA JWT, `aud` = the origin) for the host-scoped cookie.'),
    expiresAt: timestamp,
    returnPath: z.string().startsWith('/').describe('Path and query on the origin to return to.'),
  })
  .describe('A gateway session.');
/** Body of a redeem answer. */
export type AccessRedeemResponse = z.infer<typeof accessRedeemResponse>;

/** One access decision of a gateway, as it reports them. */
export const accessEvent = z.strictObject({
  at: timestamp,
  resourceId: id,
  allowed: z.boolean(),
  reason: z.string().max(64),
  ruleId: z.string().max(128).nullable(),
  userId: id.nullable(),
  authMethod: z.string().max(16).nullable(),
  ip: z.string().max(64),
  method: z.string().max(32),
  host: z.string().max(253),
  path: z.string().max(2048),
  status: z.number().int().min(100).max(599),
  count: z
    .number()
    .int()
    .min(1)
    .max(1_000_000_000)
    .default(1)
    .describe('How many identical decisions this event stands for, from `at` to `lastAt`.'),
  lastAt: timestamp.optional().describe('Time of the last of the `count` decisions, when more than one.'),
});
/** A reported access decision. */
export type AccessEvent = z.output<typeof accessEvent>;

/** `POST /v1/access/events` on the control listener: a batch of access decisions for the audit log. */
export const accessEventsRequest = z
  .strictObject({ events: z.array(accessEvent).min(1).max(1000) })
  .describe('Access decisions, oldest first.');
/** Body of an access-event batch. */
export type AccessEventsRequest = z.infer<typeof accessEventsRequest>;
