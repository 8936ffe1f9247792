import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/*
 * One schema for both drivers. Conventions:
 * - ids are UUIDv7 made by `newId()` (time-ordered), so `id` is also the cursor of every list (ordered by id);
 * - every org-scoped table has `org_id` first in the index that serves its list query;
 * - timestamps are `timestamptz`; secrets are stored encrypted (`*_enc`, AES-256-GCM under the master key)
 *   or hashed (`*_hash`), never in clear.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const description = () => text('description').notNull().default('');

/**
 * Instance-wide key/value settings (e.g. the instance id stored at first start).
 * One row per key; values are JSON.
 */
export const settings = pgTable('settings', {
  /** Setting name, e.g. `instance.id`; unique, so a key holds one value. */
  key: text('key').primaryKey(),
  /** The value, any JSON (object, array, string, number, boolean). */
  value: jsonb('value').notNull(),
  /** When the value was last written; set by the database on insert and by the repository on update. */
  updatedAt: updatedAt(),
});

/** Organisations: the tenancy boundary. Everything but users, sessions and signing keys belongs to one. */
export const organizations = pgTable('organizations', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  /** URL-friendly unique name. */
  slug: text('slug').notNull().unique(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** The organisation a row belongs to; deleting the org deletes the row. */
const orgId = () =>
  uuid('org_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' });

/** People who sign in. Email is stored lower-cased and is unique. */
export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull().default(''),
  /** PHC string (argon2id). */
  passwordHash: text('password_hash').notNull(),
  /** TOTP secret, encrypted; set while enrolling, used once `totp_enabled`. */
  totpSecretEnc: text('totp_secret_enc'),
  totpEnabled: boolean('totp_enabled').notNull().default(false),
  /** Last accepted TOTP time step, so a code cannot be replayed. */
  totpLastStep: bigint('totp_last_step', { mode: 'number' }),
  disabled: boolean('disabled').notNull().default(false),
  /** Bumped on password change, disable and log-out-everywhere; gateways compare it. */
  securityVersion: integer('security_version').notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** The user a row belongs to; deleting the user deletes the row. */
const userId = () =>
  uuid('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' });

/** Failed sign-ins, per account (`email:<address>`) and per source (`ip:<address>`), for backoff and lockout. */
export const authFailures = pgTable(
  'auth_failures',
  {
    id: uuid('id').primaryKey(),
    subject: text('subject').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('auth_failures_subject_at_idx').on(t.subject, t.at)],
);

/** A user's membership of an organisation, with role names (built-in or custom). */
export const memberships = pgTable(
  'memberships',
  {
    orgId: orgId(),
    userId: userId(),
    roles: jsonb('roles').$type<string[]>().notNull(),
    /** Suspended by an org admin: the member keeps the account and roles but reaches nothing of this org. */
    disabled: boolean('disabled').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index('memberships_user_idx').on(t.userId)],
);

/** Custom roles: named permission sets of one organisation (built-in roles are code, not rows). */
export const roles = pgTable(
  'roles',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    name: text('name').notNull(),
    description: description(),
    permissions: jsonb('permissions').$type<string[]>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('roles_org_name_idx').on(t.orgId, t.name), index('roles_org_id_idx').on(t.orgId, t.id)],
);

/** API keys: only the public prefix and a hash of the secret are kept. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    name: text('name').notNull(),
    /** Public, unique lookup part of the key (`rsk_<prefix>_<secret>`). */
    prefix: text('prefix').notNull().unique(),
    /** SHA-256 of the whole key, hex. */
    secretHash: text('secret_hash').notNull(),
    permissions: jsonb('permissions').$type<string[]>().notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('api_keys_org_id_idx').on(t.orgId, t.id)],
);

/**
 * Server-side sessions. A session is one refresh-token family: every refresh rotates the token, and a
 * rotated-out token presented again revokes the session.
 */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: userId(),
    /** How the user signed in: password, sso. */
    authMethod: text('auth_method').notNull(),
    /** A second factor was presented. */
    mfa: boolean('mfa').notNull().default(false),
    ip: text('ip').notNull().default(''),
    userAgent: text('user_agent').notNull().default(''),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    /** Absolute end of the session; refresh never extends it past this. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** logout, logout_all, revoked, refresh_reuse, user_disabled, password_changed. */
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('sessions_user_id_idx').on(t.userId, t.id)],
);

/** Refresh tokens, hashed; `used_at` is set when rotated (a second use is reuse). */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    /** SHA-256 of the token, hex. */
    tokenHash: text('token_hash').notNull().unique(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId)],
);

/** JWT signing keys (instance-wide), rotated with overlap; the private half is encrypted. */
export const signingKeys = pgTable('signing_keys', {
  /** JWK `kid`. */
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  publicJwk: jsonb('public_jwk').$type<Record<string, unknown>>().notNull(),
  privateKeyEnc: text('private_key_enc').notNull(),
  createdAt: createdAt(),
  /** No longer used to sign after this; still published until `expires_at`. */
  retiresAt: timestamp('retires_at', { withTimezone: true }).notNull(),
  /** Removed from the JWKS after this. */
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** Access policies: an ordered list of allow and deny rules (validated by `packages/policy`). */
export const policies = pgTable(
  'policies',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    name: text('name').notNull(),
    description: description(),
    rules: jsonb('rules').$type<unknown[]>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('policies_org_name_idx').on(t.orgId, t.name), index('policies_org_id_idx').on(t.orgId, t.id)],
);

/** Sites: places where a connector runs and reaches private targets. */
export const sites = pgTable(
  'sites',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    name: text('name').notNull(),
    description: description(),
    /** The connector's WireGuard public key, once enrolled. */
    publicKey: text('public_key'),
    /** Tunnel address from IPAM (a row of `tunnel_addresses`), allocated when the site is created; unique. */
    tunnelAddress: text('tunnel_address').unique(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    /** SHA-256 of the one-time connector enrolment token, hex; cleared once used. */
    enrolTokenHash: text('enrol_token_hash').unique(),
    enrolTokenExpiresAt: timestamp('enrol_token_expires_at', { withTimezone: true }),
    /** SHA-256 fingerprint of the connector's control-channel client certificate, hex. */
    certFingerprint: text('cert_fingerprint').unique(),
    enrolledAt: timestamp('enrolled_at', { withTimezone: true }),
    /** Software version and status fields (target health, last error) of the connector's last heartbeat. */
    agentVersion: text('agent_version'),
    status: jsonb('status').$type<Record<string, unknown>>(),
    /** The hub's view of the site's peer, as its tunnel hub last reported it. */
    lastHandshakeAt: timestamp('last_handshake_at', { withTimezone: true }),
    rxBytes: bigint('rx_bytes', { mode: 'number' }),
    txBytes: bigint('tx_bytes', { mode: 'number' }),
    peerReportedAt: timestamp('peer_reported_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('sites_org_name_idx').on(t.orgId, t.name), index('sites_org_id_idx').on(t.orgId, t.id)],
);

/**
 * What a site's connector forwards: a local `host:port` at the site, reached from the hub at
 * `<site tunnel address>:<tunnel_port>` (the connector listens there and accepts only the hub).
 */
export const siteTargets = pgTable(
  'site_targets',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Host name or IP address as the site sees it (LAN). */
    host: text('host').notNull(),
    port: integer('port').notNull(),
    /** Port the connector listens on at its tunnel address; unique per site (default: `port` when free). */
    tunnelPort: integer('tunnel_port').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('site_targets_site_name_idx').on(t.siteId, t.name),
    uniqueIndex('site_targets_site_port_idx').on(t.siteId, t.tunnelPort),
    index('site_targets_org_id_idx').on(t.orgId, t.id),
  ],
);

/** Client devices (VPN mode): a user's WireGuard peer of the org's tunnel hub. Only the public key is kept. */
export const devices = pgTable(
  'devices',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    /** The user the device belongs to. */
    userId: userId(),
    name: text('name').notNull(),
    publicKey: text('public_key').notNull().unique(),
    /** Tunnel address from IPAM; unique. */
    tunnelAddress: text('tunnel_address').notNull().unique(),
    /** Sites whose tunnel addresses the device may reach. */
    siteIds: jsonb('site_ids').$type<string[]>().notNull(),
    lastHandshakeAt: timestamp('last_handshake_at', { withTimezone: true }),
    rxBytes: bigint('rx_bytes', { mode: 'number' }),
    txBytes: bigint('tx_bytes', { mode: 'number' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('devices_org_user_name_idx').on(t.orgId, t.userId, t.name),
    index('devices_org_id_idx').on(t.orgId, t.id),
  ],
);

/**
 * IPAM: every tunnel address handed out, instance-wide. The primary key makes an address unique across sites and
 * devices; a row goes with its site or device (cascade), which releases the address.
 */
export const tunnelAddresses = pgTable('tunnel_addresses', {
  address: text('address').primaryKey(),
  siteId: uuid('site_id').references(() => sites.id, { onDelete: 'cascade' }),
  deviceId: uuid('device_id').references(() => devices.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
});

/** Published services. Hosts are global: one host (and path prefix) belongs to one resource of one org. */
export const resources = pgTable(
  'resources',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    name: text('name').notNull(),
    /** http or tcp. */
    kind: text('kind').notNull(),
    /** Lower-cased host name (http) or SNI name (tcp passthrough); '' for a plain tcp port. */
    host: text('host').notNull(),
    /** Path prefix for http, '/' when the whole host. */
    pathPrefix: text('path_prefix').notNull().default('/'),
    /** Listen port for tcp resources; 0 for http. */
    port: integer('port').notNull().default(0),
    targets: jsonb('targets').$type<unknown[]>().notNull(),
    options: jsonb('options').$type<Record<string, unknown>>().notNull(),
    policyId: uuid('policy_id').references(() => policies.id, { onDelete: 'set null' }),
    siteId: uuid('site_id').references(() => sites.id, { onDelete: 'set null' }),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('resources_route_idx').on(t.kind, t.host, t.pathPrefix, t.port),
    uniqueIndex('resources_org_name_idx').on(t.orgId, t.name),
    index('resources_org_id_idx').on(t.orgId, t.id),
    index('resources_org_host_idx').on(t.orgId, t.host),
    index('resources_policy_idx').on(t.policyId),
    index('resources_site_idx').on(t.siteId),
  ],
);

/** Gateways and tunnel hubs (`kind`): enrolled agents that get the org's config pushed. */
export const gateways = pgTable(
  'gateways',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    name: text('name').notNull(),
    /** SHA-256 of the one-time enrolment token, hex; cleared once used. */
    enrolTokenHash: text('enrol_token_hash').unique(),
    enrolTokenExpiresAt: timestamp('enrol_token_expires_at', { withTimezone: true }),
    /** SHA-256 fingerprint of the client certificate issued at enrolment, hex. */
    certFingerprint: text('cert_fingerprint').unique(),
    certSerial: text('cert_serial'),
    certExpiresAt: timestamp('cert_expires_at', { withTimezone: true }),
    enrolledAt: timestamp('enrolled_at', { withTimezone: true }),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    /** Software version and config version the agent reported in its last heartbeat. */
    agentVersion: text('agent_version'),
    configVersion: bigint('config_version', { mode: 'number' }),
    status: jsonb('status').$type<Record<string, unknown>>(),
    /** `gateway`, or `hub` for a WireGuard tunnel hub. */
    kind: text('kind').notNull().default('gateway'),
    /** A hub's WireGuard public key and the endpoint (`host:port`) sites and devices dial, as it reported them. */
    wgPublicKey: text('wg_public_key'),
    wgEndpoint: text('wg_endpoint'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('gateways_org_name_idx').on(t.orgId, t.name), index('gateways_org_id_idx').on(t.orgId, t.id)],
);

/** TLS certificates of an org (uploaded or ACME); the private key is encrypted. */
export const certificates = pgTable(
  'certificates',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    hosts: jsonb('hosts').$type<string[]>().notNull(),
    /** upload, acme, or builtin (from the built-in CA, served until ACME issues one). */
    source: text('source').notNull(),
    certPem: text('cert_pem').notNull(),
    keyEnc: text('key_enc').notNull(),
    notAfter: timestamp('not_after', { withTimezone: true }).notNull(),
    /** Start of validity; renewal is due at two thirds of notBefore..notAfter. Null for rows made before it existed. */
    notBefore: timestamp('not_before', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('certificates_org_id_idx').on(t.orgId, t.id)],
);

/**
 * Hosts whose certificate the admin obtains through ACME: one row per host of an org, with the certificate in
 * service, the fallback from the built-in CA, the pending challenge and the retry state.
 */
export const acmeHosts = pgTable(
  'acme_hosts',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    /** Lower-cased host name. */
    host: text('host').notNull(),
    /** pending (no ACME certificate yet), valid, or failed (the last attempt failed). */
    status: text('status').notNull().default('pending'),
    /** The ACME certificate in service. */
    certificateId: uuid('certificate_id').references(() => certificates.id, { onDelete: 'set null' }),
    /** The built-in CA's certificate, served until ACME issues one. */
    fallbackId: uuid('fallback_id').references(() => certificates.id, { onDelete: 'set null' }),
    /** Failed attempts in a row; the next attempt waits exponentially longer. */
    failures: integer('failures').notNull().default(0),
    lastError: text('last_error'),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    /** No attempt before this time (backoff, or the CA's Retry-After). */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    /** The challenge gateways answer while the CA validates; the TLS-ALPN-01 key inside is sealed. */
    challenge: jsonb('challenge').$type<Record<string, string>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('acme_hosts_org_host_idx').on(t.orgId, t.host), index('acme_hosts_org_id_idx').on(t.orgId, t.id)],
);

/**
 * DNS providers of an org, for ACME DNS-01 (RFC 8555 section 8.4): the hosts of `domain` (the domain and every
 * name below it) are validated by a TXT record published through the provider. Its credential (a TSIG secret for
 * `rfc2136`) is sealed under the master key.
 */
export const dnsProviders = pgTable(
  'dns_providers',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    /** Lower-cased domain whose names the provider can publish records for; unique per org. */
    domain: text('domain').notNull(),
    /** Provider type: `rfc2136` (dynamic updates signed with TSIG). */
    type: text('type').notNull(),
    /** The type's settings that are not secret (for `rfc2136`: server, zone, key name, algorithm). */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
    secretEnc: text('secret_enc').notNull(),
    /** Order one wildcard certificate `*.<domain>` for the resource hosts one label below the domain. */
    wildcard: boolean('wildcard').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('dns_providers_org_domain_idx').on(t.orgId, t.domain),
    index('dns_providers_org_id_idx').on(t.orgId, t.id),
  ],
);

/** Monotonic config version per org: bumped in the transaction of every change a gateway must see. */
export const configVersions = pgTable('config_versions', {
  orgId: uuid('org_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  version: bigint('version', { mode: 'number' }).notNull().default(0),
});

/**
 * OpenID Connect identity providers of an org (single sign-on). The client secret is sealed under the master key.
 * `role_mapping` maps values of the `roles_claim` claim to role names of the org.
 */
export const identityProviders = pgTable(
  'identity_providers',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    name: text('name').notNull(),
    issuer: text('issuer').notNull(),
    clientId: text('client_id').notNull(),
    clientSecretEnc: text('client_secret_enc').notNull(),
    scopes: text('scopes').notNull(),
    rolesClaim: text('roles_claim'),
    roleMapping: jsonb('role_mapping').$type<Record<string, string>>().notNull(),
    defaultRoles: jsonb('default_roles').$type<string[]>().notNull(),
    /** Create an account and a membership for a verified email that has none. */
    provision: boolean('provision').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('identity_providers_org_name_idx').on(t.orgId, t.name),
    index('identity_providers_org_id_idx').on(t.orgId, t.id),
  ],
);

/**
 * Certificate authorities an org's device (client) certificates chain to: resources that ask for a client
 * certificate trust these, and policies name them by fingerprint (`device.caFingerprints`). Public certificates only.
 */
export const deviceCas = pgTable(
  'device_cas',
  {
    id: uuid('id').primaryKey(),
    orgId: orgId(),
    name: text('name').notNull(),
    certificatePem: text('certificate_pem').notNull(),
    /** SHA-256 of the DER certificate, 64 lowercase hex digits. */
    fingerprint: text('fingerprint').notNull(),
    notAfter: timestamp('not_after', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('device_cas_org_fingerprint_idx').on(t.orgId, t.fingerprint),
    uniqueIndex('device_cas_org_name_idx').on(t.orgId, t.name),
    index('device_cas_org_id_idx').on(t.orgId, t.id),
  ],
);

/**
 * Per-org keys of the gateway access flow, sealed under the master key: the intent key (32 bytes, encrypts the
 * redirect intents a gateway hands to the login page) and the assertion key (Ed25519 PKCS#8, signs the
 * `X-Rustronaut-Assertion` of every gateway of the org, so their JWKS agree). Made on first use.
 */
export const orgAccessKeys = pgTable('org_access_keys', {
  orgId: uuid('org_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  intentKeyEnc: text('intent_key_enc').notNull(),
  assertionKeyEnc: text('assertion_key_enc').notNull(),
  createdAt: createdAt(),
});

/**
 * One-time codes that carry a signed-in browser from the login page back to a resource's origin, where the
 * gateway redeems the code over its control channel for a session cookie. Stored hashed; single use; short-lived.
 */
export const accessCodes = pgTable(
  'access_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    orgId: orgId(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    resourceId: uuid('resource_id')
      .notNull()
      .references(() => resources.id, { onDelete: 'cascade' }),
    /** `scheme://host[:port]` the code is valid for. */
    origin: text('origin').notNull(),
    /** Path and query to return to on that origin (always starts with a single `/`). */
    returnPath: text('return_path').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('access_codes_expires_idx').on(t.expiresAt)],
);

/** Head of each audit hash chain (`chain` = org id, or `instance` for events outside any org). */
export const auditChains = pgTable('audit_chains', {
  chain: text('chain').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  headHash: text('head_hash').notNull(),
});

/**
 * The audit log: append-only (a trigger refuses UPDATE and DELETE) and hash-chained per org: `hash` is
 * SHA-256 over the canonical event including `prev_hash`, so a changed or deleted row breaks the chain.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey(),
    chain: text('chain').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    orgId: uuid('org_id'),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    /** user, api_key, agent or system. */
    actorType: text('actor_type').notNull(),
    actorId: text('actor_id'),
    /** e.g. `resource.create`, `auth.login.failed`. */
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    ip: text('ip'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('audit_chain_seq_idx').on(t.chain, t.seq),
    index('audit_org_id_idx').on(t.orgId, t.id),
    index('audit_org_actor_idx').on(t.orgId, t.actorId, t.id),
    index('audit_org_action_idx').on(t.orgId, t.action, t.id),
    index('audit_org_target_idx').on(t.orgId, t.targetId, t.id),
    index('audit_org_at_idx').on(t.orgId, t.at),
  ],
);
