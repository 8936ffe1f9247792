import { z } from 'zod';
import { wireguardKeySchema } from './api/sites.js';

// The tunnel side of the control channel (docs/tunnels.md): what a tunnel hub and a site connector receive in their
// snapshots, how a connector enrols, and what a hub reports about its peers.

const id = z.uuid().describe('UUID.');
const timestamp = z.iso.datetime({ offset: true }).describe('RFC 3339 timestamp.');
const pem = (label: string, description: string) =>
  z
    .string()
    .max(16_384)
    .regex(new RegExp(`^\\s*-----BEGIN ${label}-----[\\s\\S]+-----END ${label}-----\\s*$`), `expected a PEM ${label}`)
    .describe(description);
const ipv4 = z.ipv4().describe('IPv4 address.');
const port = z.number().int().min(1).max(65_535);

/** Shape of a one-time site (connector) enrolment token: `rst_` and 32 random bytes in base64url. */
export const SITE_ENROL_TOKEN_PATTERN = /^rst_[A-Za-z0-9_-]{43}$/;

/** `POST /api/v1/agents/connector-enrol`: a connector trades its site's one-time token, a CSR and its public key. */
export const connectorEnrolRequest = z
  .strictObject({
    token: z
      .string()
      .regex(SITE_ENROL_TOKEN_PATTERN, 'expected a site enrolment token (rst_...)')
      .describe('One-time site token.'),
    csr: pem(
      'CERTIFICATE REQUEST',
      "PKCS#10 request (PEM) for the connector's ECDSA P-256 control-channel key; its subject is ignored.",
    ),
    publicKey: wireguardKeySchema.describe("The connector's WireGuard public key; its private key stays at the site."),
  })
  .describe('Enrolment of a site connector.');
/** Body of a connector enrolment. */
export type ConnectorEnrolRequest = z.infer<typeof connectorEnrolRequest>;

/** Answer to a connector enrolment. */
export const connectorEnrolResponse = z
  .object({
    siteId: id.describe('Id of the site.'),
    orgId: id.describe('Organisation of the site.'),
    certificate: pem('CERTIFICATE', 'Client certificate (PEM) for the control channel.'),
    caCertificate: pem('CERTIFICATE', 'The admin CA (PEM): trust it for the control listener, and only it.'),
    controlUrl: z.url().describe('Base URL of the control listener (`https://host:port`).'),
  })
  .describe('Identity of an enrolled connector.');
/** Body of a connector enrolment answer. */
export type ConnectorEnrolResponse = z.infer<typeof connectorEnrolResponse>;

/** A WireGuard endpoint as `host` (DNS name or IP literal, IPv6 without brackets) and UDP `port`. */
export const tunnelEndpoint = z
  .object({
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:-]+$/, 'expected a host name or IP address'),
    port,
  })
  .describe('Where the hub listens for WireGuard.');

/** One peer the hub should have: a site's connector or a client device. */
export const hubPeer = z
  .object({
    id,
    kind: z.enum(['site', 'device']),
    name: z.string(),
    publicKey: wireguardKeySchema,
    allowedIps: z.array(z.string()).min(1).describe('The peer’s tunnel address as a /32.'),
    reach: z
      .array(
        z.object({
          address: ipv4.describe('Tunnel address of a site the device was granted.'),
          ports: z.array(port).describe('The tunnel ports of its targets.'),
        }),
      )
      .default([])
      .describe(
        'For a device: the TCP ports of the sites it was granted (their targets), the only places the hub ' +
          'forwards its packets to (and the replies back). Empty for a site.',
      ),
  })
  .describe('A peer of the hub.');
/** A desired hub peer. */
export type HubPeer = z.infer<typeof hubPeer>;

/** The `tunnel` section of a hub's snapshot: its address and every peer it should have. */
export const hubTunnelConfig = z
  .object({
    address: z.string().describe('The hub’s interface address with the pool’s prefix length, e.g. `100.96.0.1/16`.'),
    peers: z.array(hubPeer),
  })
  .describe('Desired state of a tunnel hub.');
/** A hub's desired state. */
export type HubTunnelConfig = z.infer<typeof hubTunnelConfig>;

/** One target a connector forwards: it listens on `<tunnel address>:<tunnelPort>` and connects to `host:port`. */
export const connectorTarget = z
  .object({ id, name: z.string(), host: z.string(), port, tunnelPort: port })
  .describe('A site target as its connector sees it.');
/** A target of a connector. */
export type ConnectorTarget = z.infer<typeof connectorTarget>;

/** The `site` section of a connector's snapshot. */
export const siteTunnelConfig = z
  .object({
    siteId: id,
    address: z.string().describe('The connector’s interface address with the pool’s prefix length.'),
    hub: z
      .object({ publicKey: wireguardKeySchema, endpoint: tunnelEndpoint, address: ipv4 })
      .nullable()
      .describe('The hub to dial; null while no hub of the organisation has reported its key and endpoint.'),
    targets: z.array(connectorTarget),
    devices: z
      .array(ipv4)
      .default([])
      .describe(
        'Tunnel addresses of the client devices granted this site: they reach its targets through the hub, ' +
          'beside the hub itself.',
      ),
  })
  .describe('Desired state of a site connector.');
/** A connector's desired state. */
export type SiteTunnelConfig = z.infer<typeof siteTunnelConfig>;

/** Per-peer counters as a hub reports them. */
export const hubPeerReport = z
  .strictObject({
    publicKey: wireguardKeySchema,
    lastHandshakeAt: timestamp.nullable(),
    rxBytes: z.number().int().min(0),
    txBytes: z.number().int().min(0),
  })
  .describe('What the hub’s device says about one peer.');

/** `POST /v1/tunnel/report` on the control listener: a hub's key, endpoint and peer statistics. */
export const hubReportRequest = z
  .strictObject({
    publicKey: wireguardKeySchema.describe('The hub’s WireGuard public key.'),
    endpoint: tunnelEndpoint,
    peers: z.array(hubPeerReport).max(65_536),
  })
  .describe('Report of a tunnel hub.');
/** Body of a hub report. */
export type HubReportRequest = z.infer<typeof hubReportRequest>;
