import { z } from 'zod';

// The gateway's dynamic configuration: routes, upstreams and TCP listeners. In standalone mode it is read from
// a YAML file (`rustronaut gateway --config FILE`); later the admin pushes the same shape as a versioned
// snapshot. Every object is strict: an unknown field is an error, never silently ignored.

const hostPort = z
  .string()
  .regex(/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/, 'expected host:port')
  .describe('Address as host:port (`[v6]:port` for IPv6; `:port` binds every interface).');

const hostPattern = z
  .string()
  .regex(
    /^(\*|(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)$/,
    'expected a host name, "*.example.com" or "*"',
  )
  .describe('Host to match: an exact name, `*.example.com` (any one or more labels in front), or `*` (any host).');

const originSchema = z
  .string()
  .regex(
    /^(\*|https?:\/\/[A-Za-z0-9.-]{1,253}(:\d{1,5})?)$/,
    'expected an origin such as https://app.example.com, or *',
  );
const headerNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/, 'expected a header name');

// Bounded by what Node's timers take (2^31 - 1 ms); larger values would fire at once.
const positiveInt = z.number().int().positive().max(2_147_483_647);

/** One HTTP upstream of a route. */
export const httpUpstreamSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .describe('Base URL of the upstream; its path, if any, is prefixed to the request path.'),
    weight: positiveInt.max(1000).default(1).describe('Relative share of requests (1 to 1000); default 1.'),
  })
  .describe('An upstream server.');

/** Active health checking of a route's upstreams. */
export const healthCheckSchema = z
  .strictObject({
    type: z
      .enum(['http', 'tcp'])
      .default('http')
      .describe('`http`: GET `path`, healthy on 2xx/3xx; `tcp`: connect only.'),
    path: z
      .string()
      .regex(/^\/[\x21-\x7e]{0,1023}$/, 'expected a path starting with / (printable ASCII, at most 1024 characters)')
      .default('/')
      .describe('Path requested by `http` checks.'),
    intervalMs: positiveInt.min(100).default(5000).describe('Time between checks, in milliseconds.'),
    timeoutMs: positiveInt.default(2000).describe('A check slower than this fails.'),
    unhealthyAfter: positiveInt.default(2).describe('Consecutive failed checks that take an upstream out of rotation.'),
    healthyAfter: positiveInt.default(1).describe('Consecutive passed checks that bring it back.'),
  })
  .describe('Active health check.');

/** Passive health: eject an upstream after consecutive failed requests. */
export const passiveHealthSchema = z
  .strictObject({
    consecutiveFailures: positiveInt
      .default(5)
      .describe('Connect failures or 5xx answers in a row that eject the upstream.'),
    ejectMs: positiveInt.default(10_000).describe('How long an ejected upstream stays out before it is tried again.'),
  })
  .describe('Passive ejection after consecutive failures.');

/** Token-bucket rate limit of a route. */
export const rateLimitSchema = z
  .strictObject({
    requestsPerSecond: z.number().positive().max(1_000_000).describe('Sustained rate: tokens added per second.'),
    burst: positiveInt.describe('Bucket size: requests allowed at once after an idle period.'),
    key: z.enum(['ip']).default('ip').describe('What a bucket belongs to: `ip`, the client address.'),
  })
  .describe('Token bucket per key; over the limit the gateway answers 429 with Retry-After.');

/** Per-route timeouts. */
export const timeoutsSchema = z
  .strictObject({
    connectMs: positiveInt.default(5000).describe('Time to open a connection to the upstream.'),
    responseHeaderMs: positiveInt.default(30_000).describe('Time from sending the request to the response head (504).'),
    idleMs: positiveInt.default(60_000).describe('Longest silence while streaming a body either way.'),
  })
  .describe('Upstream timeouts.');

/** CORS handled at the gateway. */
export const corsSchema = z
  .strictObject({
    allowOrigins: z.array(originSchema).min(1).max(100).describe('Allowed origins (`https://app.example.com`) or `*`.'),
    allowMethods: z
      .array(z.string().regex(/^[A-Z]{1,20}$/))
      .max(20)
      .default(['GET', 'HEAD', 'POST'])
      .describe('Allowed methods.'),
    allowHeaders: z.array(headerNameSchema).max(100).default([]).describe('Allowed request headers.'),
    exposeHeaders: z.array(headerNameSchema).max(100).default([]).describe('Response headers the browser may read.'),
    allowCredentials: z.boolean().default(false).describe('Send `Access-Control-Allow-Credentials: true`.'),
    maxAgeSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(600)
      .describe('How long browsers cache a preflight answer.'),
  })
  .describe('Cross-origin resource sharing; preflight requests are answered at the gateway.');

/** Security response headers; safe defaults, each can be turned off. */
export const securityHeadersSchema = z
  .strictObject({
    hsts: z.boolean().default(true).describe('`Strict-Transport-Security` on HTTPS responses.'),
    contentTypeOptions: z.boolean().default(true).describe('`X-Content-Type-Options: nosniff`.'),
    frameOptions: z
      .enum(['DENY', 'SAMEORIGIN', 'off'])
      .default('SAMEORIGIN')
      .describe('`X-Frame-Options` (and the matching CSP `frame-ancestors`), or `off`.'),
    referrerPolicy: z
      .string()
      .regex(/^[a-z-]{1,64}(, *[a-z-]{1,64}){0,4}$/, 'expected a Referrer-Policy value such as no-referrer')
      .default('strict-origin-when-cross-origin')
      .describe('`Referrer-Policy`, or `off`.'),
  })
  .describe('Security headers added to responses when the upstream did not set them.');

/**
 * Signature algorithms a route may accept for bearer tokens: asymmetric only. `none` and the HMAC family are not
 * in the list, so a token signed with a public key used as an HMAC secret can never verify.
 */
export const JWT_ALGORITHMS = [
  'EdDSA',
  'Ed25519',
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
] as const;

const jwtAlgorithmSchema = z.enum(JWT_ALGORITHMS, {
  error: `expected one of ${JWT_ALGORITHMS.join(', ')} (none and HS* are never accepted)`,
});

/** Bearer-token (JWT) authentication of a route. */
export const jwtAccessSchema = z
  .strictObject({
    jwksUrl: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .optional()
      .describe(
        "URL of the issuer's JWKS; fetched with a timeout, cached, refetched on an unknown `kid` (at most every 30 s). When a fetch fails the last good keys keep working.",
      ),
    publicKeyFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        "PEM file with the issuer's public key (SPKI), or a JSON file with a JWKS; read at load and on reload.",
      ),
    issuer: z.string().min(1).max(1024).describe('Required `iss` claim.'),
    audience: z
      .union([z.string().min(1).max(1024), z.array(z.string().min(1).max(1024)).min(1).max(20)], {
        error: 'expected a string or a list of strings',
      })
      .describe('Accepted `aud` value(s); the token must name one of them.'),
    algorithms: z
      .array(jwtAlgorithmSchema)
      .min(1)
      .max(JWT_ALGORITHMS.length)
      .default(['EdDSA', 'ES256', 'RS256'])
      .describe('Accepted signature algorithms (asymmetric only).'),
  })
  .refine((jwt) => (jwt.jwksUrl === undefined) !== (jwt.publicKeyFile === undefined), {
    message: 'set exactly one of `jwksUrl` and `publicKeyFile`',
    path: ['jwksUrl'],
  })
  .describe(
    'Require `Authorization: Bearer <JWT>`; `exp`, `nbf`, `iss` and `aud` are checked with 60 s of clock skew.',
  );

/** Client-certificate (mTLS) authentication of a route. */
export const mtlsAccessSchema = z
  .strictObject({
    caFile: z.string().min(1).describe('PEM file with the CA certificate(s) that client certificates must chain to.'),
    required: z
      .boolean()
      .default(true)
      .describe(
        '`false`: a request without a certificate passes when `jwt` authenticates it (a certificate that is sent must still be valid).',
      ),
  })
  .describe('Require a client certificate on the HTTPS listener, verified against `caFile`.');

/**
 * Access decided by an admin's policy: set only in snapshots an admin sends to the gateways it manages, which
 * carry the org's sessions, API keys and policies beside the routes.
 */
export const managedAccessSchema = z
  .strictObject({
    policy: z.string().min(1).max(64).nullable().describe('Id of the policy in the snapshot; null: any member.'),
    public: z.boolean().default(false).describe('Anyone may use the route unless a deny rule matches.'),
    clientCertificate: z
      .enum(['optional', 'required'])
      .optional()
      .describe("Ask for a device certificate issued by one of the org's device CAs (HTTPS only)."),
  })
  .describe("Set by the admin: the org's sign-in and the resource's policy (not for hand-written files).");

/** How a protected route authenticates: bearer tokens, client certificates, or both. */
export const protectedAccessSchema = z
  .strictObject({
    managed: managedAccessSchema.optional(),
    jwt: jwtAccessSchema.optional(),
    mtls: mtlsAccessSchema.optional(),
    identityHeaders: z
      .boolean()
      .default(false)
      .describe(
        'Also send plain `X-Rustronaut-User`, `-Email` and `-Roles` headers upstream (the signed `X-Rustronaut-Assertion` is always sent).',
      ),
  })
  .refine((a) => a.jwt !== undefined || a.mtls !== undefined || a.managed !== undefined, {
    message: 'a protected route needs `jwt`, `mtls`, or both',
  })
  .refine((a) => a.managed === undefined || (a.jwt === undefined && a.mtls === undefined), {
    message: '`managed` access comes from the admin alone, without `jwt` or `mtls`',
    path: ['managed'],
  })
  .refine((a) => a.mtls?.required !== false || a.jwt !== undefined, {
    message: '`required: false` needs `jwt` on the same route to authenticate requests without a certificate',
    path: ['mtls', 'required'],
  });

type UnionIssue = { readonly input?: unknown; readonly errors?: ReadonlyArray<ReadonlyArray<z.core.$ZodIssue>> };

/** Names the field inside `access` that failed: a union would otherwise only say "Invalid input". */
function accessError(issue: UnionIssue): string {
  const expected = 'expected `public`, or an object with `jwt` and/or `mtls`';
  if (typeof issue.input !== 'object' || issue.input === null) return expected;
  const objectIssues = issue.errors?.[1] ?? [];
  const described = objectIssues.map((i) => {
    const field = i.path.map(String).join('.');
    const keys = i.code === 'unrecognized_keys' ? ` (${i.keys.join(', ')})` : '';
    return `${field === '' ? '' : `${field}: `}${i.message}${keys}`;
  });
  return described.length > 0 ? described.join('; ') : expected;
}

/** Who may use a route. */
export const routeAccessSchema = z
  .union([z.literal('public'), protectedAccessSchema], { error: (issue) => accessError(issue as UnionIssue) })
  .describe(
    'Who may use the route: `public` (anyone), or an object with `jwt` and/or `mtls`. It must be written out: there is no implicit default.',
  );

/** Settings of the identity the gateway asserts to upstreams. */
export const identitySchema = z
  .strictObject({
    issuer: z
      .string()
      .min(1)
      .max(256)
      .default('rustronaut-gateway')
      .describe('`iss` of the `X-Rustronaut-Assertion` JWTs the gateway signs.'),
    signingKeyFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'PEM file (PKCS#8) with the Ed25519 key that signs assertions. Without it the gateway makes a key at start; gateways behind one load balancer need the same file.',
      ),
  })
  .describe('Signed identity sent to upstreams; the public keys are served at `/.well-known/rustronaut/jwks.json`.');

/** One HTTP route. */
export const httpRouteSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a lowercase name (a-z, 0-9, -)')
      .describe('Unique name, used in metrics and logs.'),
    match: z
      .strictObject({
        host: hostPattern,
        pathPrefix: z
          .string()
          .startsWith('/')
          .default('/')
          .describe('Longest matching prefix wins, on whole segments.'),
      })
      .describe('Which requests the route takes.'),
    upstreams: z.array(httpUpstreamSchema).min(1).describe('Servers that answer the route.'),
    loadBalancing: z
      .enum(['round-robin', 'weighted', 'least-connections'])
      .default('round-robin')
      .describe('`round-robin` (smooth, honours weights), `weighted` (random by weight), `least-connections`.'),
    healthCheck: healthCheckSchema.optional(),
    passiveHealth: passiveHealthSchema.default({ consecutiveFailures: 5, ejectMs: 10_000 }),
    rateLimit: rateLimitSchema.optional(),
    timeouts: timeoutsSchema.default({ connectMs: 5000, responseHeaderMs: 30_000, idleMs: 60_000 }),
    securityHeaders: securityHeadersSchema.default({
      hsts: true,
      contentTypeOptions: true,
      frameOptions: 'SAMEORIGIN',
      referrerPolicy: 'strict-origin-when-cross-origin',
    }),
    cors: corsSchema.optional(),
    allowEncodedSlash: z.boolean().default(false).describe('Pass `%2F` and `%5C` in paths instead of answering 400.'),
    preserveHost: z
      .boolean()
      .default(false)
      .describe('Send the client Host header upstream instead of the upstream host.'),
    access: routeAccessSchema,
  })
  .describe('An HTTP route: match, upstreams and behaviour.');

/** One TCP upstream. */
export const tcpUpstreamSchema = z
  .strictObject({
    address: hostPort,
    weight: positiveInt.max(1000).default(1).describe('Relative share of connections.'),
  })
  .describe('A TCP upstream.');

/** A TCP listener: plain forwarding, or TLS passthrough routed by SNI. */
export const tcpRouteSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a lowercase name (a-z, 0-9, -)')
      .describe('Unique name.'),
    listen: hostPort,
    upstreams: z
      .array(tcpUpstreamSchema)
      .min(1)
      .optional()
      .describe('Where connections go (the default when `sni` is set).'),
    sni: z
      .array(
        z.strictObject({
          host: hostPattern,
          upstreams: z.array(tcpUpstreamSchema).min(1).describe('Where connections for this server name go.'),
        }),
      )
      .min(1)
      .optional()
      .describe('TLS passthrough: route by the server name in the ClientHello, without terminating TLS.'),
    loadBalancing: z
      .enum(['round-robin', 'weighted', 'least-connections'])
      .default('round-robin')
      .describe('How connections are spread over upstreams (see HTTP routes).'),
    connectTimeoutMs: positiveInt.default(5000).describe('Time to connect to the upstream.'),
    idleTimeoutMs: positiveInt.default(300_000).describe('Close connections silent for this long.'),
  })
  .refine((r) => r.upstreams !== undefined || r.sni !== undefined, 'a TCP listener needs `upstreams`, `sni`, or both')
  .describe('A TCP listener.');

/** TLS for the HTTPS listener. */
export const tlsSchema = z
  .strictObject({
    certificates: z
      .array(
        z.strictObject({
          certFile: z.string().min(1).describe('PEM file with the certificate and its chain.'),
          keyFile: z.string().min(1).describe('PEM file with the private key.'),
        }),
      )
      .min(1)
      .describe("PEM certificate chains and keys; the served one is chosen by SNI from each certificate's names."),
    redirectHttp: z.boolean().default(false).describe('Answer plain HTTP requests with a 308 to HTTPS.'),
    hstsMaxAgeSeconds: z.number().int().min(0).default(31_536_000).describe('`max-age` of the HSTS header.'),
  })
  .describe('HTTPS termination.');

/** The whole file read by `rustronaut gateway --config FILE`. */
export const gatewayFileSchema = z
  .strictObject({
    listen: z
      .strictObject({
        http: hostPort.optional().describe('HTTP listener.'),
        https: hostPort.optional().describe('HTTPS listener (needs `tls`).'),
        ops: hostPort.optional().describe('Operations listener: /healthz, /readyz, /metrics.'),
      })
      .default({})
      .describe('Listener addresses; unset ones fall back to the static configuration (`gateway.*Listen`).'),
    tls: tlsSchema.optional(),
    trustedProxies: z
      .array(z.union([z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6()], { error: 'expected an IP address or CIDR' }))
      .default([])
      .describe('CIDRs whose X-Forwarded-For / Forwarded headers are believed; from anyone else they are replaced.'),
    routes: z
      .array(httpRouteSchema)
      .default([])
      .describe('HTTP routes; the most specific host, then the longest path prefix, wins.'),
    tcp: z.array(tcpRouteSchema).default([]).describe('TCP listeners.'),
    identity: identitySchema.default({ issuer: 'rustronaut-gateway' }),
  })
  .describe('Standalone gateway configuration.');

/** A parsed gateway file, defaults applied. */
export type GatewayFileConfig = z.output<typeof gatewayFileSchema>;
/** A parsed HTTP route. */
export type HttpRouteConfig = z.output<typeof httpRouteSchema>;
/** Parsed managed access of a route. */
export type ManagedAccessConfig = z.output<typeof managedAccessSchema>;
/** Parsed route access: `public`, or how a protected route authenticates. */
export type RouteAccessConfig = z.output<typeof routeAccessSchema>;
/** Parsed bearer-token settings of a route. */
export type JwtAccessConfig = z.output<typeof jwtAccessSchema>;
/** Parsed client-certificate settings of a route. */
export type MtlsAccessConfig = z.output<typeof mtlsAccessSchema>;
/** Parsed identity-assertion settings. */
export type IdentityConfig = z.output<typeof identitySchema>;
/** A parsed TCP listener. */
export type TcpRouteConfig = z.output<typeof tcpRouteSchema>;
/** A parsed HTTP upstream. */
export type HttpUpstreamConfig = z.output<typeof httpUpstreamSchema>;
/** A parsed health check. */
export type HealthCheckConfig = z.output<typeof healthCheckSchema>;
/** A parsed rate limit. */
export type RateLimitConfig = z.output<typeof rateLimitSchema>;
/** Parsed CORS settings. */
export type CorsConfig = z.output<typeof corsSchema>;
/** Parsed security header settings. */
export type SecurityHeadersConfig = z.output<typeof securityHeadersSchema>;
