import { z } from 'zod';
import { httpResourceTargetsSchema, tcpResourceTargetsSchema } from '../control.js';
import {
  corsSchema,
  healthCheckSchema,
  passiveHealthSchema,
  rateLimitSchema,
  securityHeadersSchema,
  timeoutsSchema,
} from '../gateway-config.js';
import { idSchema, nameSchema, timestampSchema } from './common.js';

// A resource is published at a global address: hosts are not per-org, so the schemas here normalize host names
// and path prefixes into the one spelling the gateway matches on, and the database's unique index can then
// catch two resources claiming the same address.

/** RFC 1123 label in lowercase ASCII (letters, digits, inner hyphens; 1 to 63 characters). */
const ASCII_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/**
 * Characters a host name may be typed with: letters (any script, for IDN), marks, digits, hyphens, and dots
 * (also the ideographic and full-width ones IDNA maps to ".").
 */
const HOST_INPUT = /^[\p{L}\p{M}\p{N}.\u3002\uff0e\uff61-]+$/u;
const MAX_HOST = 253;

/** A host name as the gateway matches it, or what is wrong with the input. */
export type HostNameResult = { readonly host: string } | { readonly problem: string };

/**
 * Normalizes a host name typed by a person: internationalized names become punycode (`bücher.example` is
 * `xn--bcher-kva.example`), letters become lowercase. Refused, with a reason: a scheme, port, path, userinfo,
 * whitespace or any other punctuation, empty or over-long labels, a name over 253 characters, and IP
 * addresses (a resource is published under a name).
 */
export function normalizeHostName(input: string): HostNameResult {
  if (input === '') return { problem: 'must not be empty' };
  if (input.length > 4 * MAX_HOST) return { problem: `must be at most ${String(MAX_HOST)} characters` };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input))
    return { problem: 'must be a host name without a scheme (no "https://")' };
  if (input.includes('/')) return { problem: 'must be a host name without a path' };
  if (input.includes('@')) return { problem: 'must be a host name without user information' };
  if (input.includes(':') || input.includes('[')) return { problem: 'must be a host name without a port' };
  if (!HOST_INPUT.test(input)) return { problem: 'may hold only letters, digits, hyphens and dots' };
  let ascii: string;
  try {
    // The WHATWG URL parser does IDNA (UTS #46) mapping and punycode, in browsers and Node alike.
    ascii = new URL(`http://${input}`).hostname;
  } catch {
    return { problem: 'is not a valid host name' };
  }
  if (ascii.length > MAX_HOST) return { problem: `must be at most ${String(MAX_HOST)} characters` };
  const labels = ascii.split('.');
  for (const label of labels) {
    if (label === '') return { problem: 'must not have an empty label (".." or a leading or trailing dot)' };
    if (!ASCII_LABEL.test(label)) {
      return { problem: `label "${label}" must be 1 to 63 letters, digits or inner hyphens` };
    }
  }
  if (/^[0-9]+$/.test(labels.at(-1) ?? '')) return { problem: 'must be a host name, not an IP address' };
  return { host: ascii };
}

/** pchar (RFC 3986 section 3.3) and "/": the characters a canonical path holds raw. */
const PATH_RAW = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const MAX_PATH = 1024;

/** A path prefix in canonical form, or what is wrong with the input. */
export type PathPrefixResult = { readonly path: string } | { readonly problem: string };

/**
 * Normalizes a route's path prefix into the canonical form the gateway matches requests in (RFC 3986 section
 * 6.2.2): escapes of unreserved characters decoded (`%7E` is `~`), others in uppercase hex. Refused, with a
 * reason: no leading "/", a query or fragment, a backslash, an encoded slash or backslash (`%2F`, `%5C`),
 * malformed escapes, whitespace, controls and non-ASCII, empty segments (`//`) and dot-segments (`.`, `..`,
 * also spelt `%2E`). A trailing "/" is kept: `/api/` and `/api` are different prefixes.
 */
export function normalizePathPrefix(input: string): PathPrefixResult {
  if (!input.startsWith('/')) return { problem: 'must start with "/"' };
  if (input.length > MAX_PATH) return { problem: `must be at most ${String(MAX_PATH)} characters` };
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input.charAt(i);
    if (c === '%') {
      const hex = input.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return { problem: 'has a malformed percent-escape (expected "%XX")' };
      const byte = Number.parseInt(hex, 16);
      if (byte === 0x2f || byte === 0x5c) {
        return { problem: 'must not contain an encoded slash or backslash ("%2F", "%5C")' };
      }
      const char = String.fromCharCode(byte);
      out += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
      i += 2;
    } else if (c === '?' || c === '#') {
      return { problem: 'must be a path without a query or fragment' };
    } else if (c === '\\') {
      return { problem: 'must not contain a backslash' };
    } else if (PATH_RAW.test(c)) {
      out += c;
    } else {
      return { problem: 'may hold only characters allowed in a URL path (no spaces, controls or non-ASCII)' };
    }
  }
  const segments = out.split('/').slice(1);
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '.' || segment === '..') return { problem: 'must not contain "." or ".." segments' };
    if (segment === '' && i < segments.length - 1) return { problem: 'must not contain empty segments ("//")' };
  }
  return { path: out };
}

/** A schema that refuses what `normalize` refuses and otherwise replaces the value with its normal form. */
function normalized(normalize: (input: string) => { problem: string } | string, max: number) {
  return z
    .string()
    .max(max, `at most ${String(max)} characters`)
    .superRefine((value, ctx) => {
      const result = normalize(value);
      if (typeof result !== 'string') ctx.addIssue({ code: 'custom', message: result.problem });
    })
    .overwrite((value) => {
      const result = normalize(value);
      return typeof result === 'string' ? result : value;
    });
}

/** A host name, normalized by {@link normalizeHostName}. */
export const hostNameSchema = normalized((input) => {
  const result = normalizeHostName(input);
  return 'host' in result ? result.host : result;
}, 4 * MAX_HOST).describe(
  'Host name without scheme, port or path (`app.example.com`); lower-cased, internationalized names as punycode.',
);

/** A path prefix, normalized by {@link normalizePathPrefix}. */
export const pathPrefixSchema = normalized((input) => {
  const result = normalizePathPrefix(input);
  return 'path' in result ? result.path : result;
}, MAX_PATH).describe(
  'Path prefix, matched on whole segments (`/api` takes `/api` and `/api/x`, not `/apix`); `/` for the whole host.',
);

const publicOption = z
  .boolean()
  .optional()
  .describe('Anyone may use the resource without signing in (deny rules of its policy still apply).');

/** `options` of an HTTP resource: the route settings of the gateway, and whether it is public. */
export const httpResourceOptionsSchema = z
  .strictObject({
    public: publicOption,
    loadBalancing: z
      .enum(['round-robin', 'weighted', 'least-connections'])
      .optional()
      .describe('How requests are spread over the targets; default `round-robin`.'),
    healthCheck: healthCheckSchema.optional(),
    passiveHealth: passiveHealthSchema.optional(),
    rateLimit: rateLimitSchema.optional(),
    timeouts: timeoutsSchema.optional(),
    securityHeaders: securityHeadersSchema.optional(),
    cors: corsSchema.optional(),
    allowEncodedSlash: z.boolean().optional().describe('Pass `%2F` and `%5C` in paths instead of answering 400.'),
    preserveHost: z.boolean().optional().describe('Send the client Host header upstream instead of the target host.'),
    clientCertificate: z
      .enum(['optional', 'required'])
      .optional()
      .describe(
        "Ask HTTPS clients for a device certificate issued by one of the org's device CAs: `required` refuses requests without one (403), `optional` lets policies use it when sent (`device` criterion). A sent certificate must always verify.",
      ),
    acme: z
      .boolean()
      .optional()
      .describe(
        "`false`: never obtain an ACME certificate for this host (an uploaded one, or the built-in CA's, is served); default true when ACME is configured.",
      ),
  })
  .describe('Settings of an HTTP resource; omitted ones take the gateway defaults.');
/** Options of an HTTP resource. */
export type HttpResourceOptions = z.output<typeof httpResourceOptionsSchema>;

/** `options` of a TCP resource. */
export const tcpResourceOptionsSchema = z
  .strictObject({ public: publicOption })
  .describe('Settings of a TCP resource.');
/** Options of a TCP resource. */
export type TcpResourceOptions = z.output<typeof tcpResourceOptionsSchema>;

const linkFields = {
  policyId: idSchema.nullable().optional().describe('Access policy of this organisation; null for none.'),
  siteId: idSchema
    .nullable()
    .optional()
    .describe('Site of this organisation whose connector reaches the targets; null when they are reachable directly.'),
  enabled: z.boolean().optional().describe('A disabled resource is kept but not published; default true.'),
};

const tcpPortSchema = z.number().int().min(1).max(65_535).describe('Gateway port the resource listens on.');

/** Fields of an HTTP resource, as created. */
export const httpResourceInput = z
  .strictObject({
    name: nameSchema.describe('Name, unique in the organisation.'),
    kind: z.literal('http'),
    host: hostNameSchema,
    pathPrefix: pathPrefixSchema.default('/'),
    targets: httpResourceTargetsSchema,
    options: httpResourceOptionsSchema.default({}),
    ...linkFields,
  })
  .describe('An HTTP resource: requests to `host` under `pathPrefix` go to `targets`.');

/** Fields of a TCP resource, as created. */
export const tcpResourceInput = z
  .strictObject({
    name: nameSchema.describe('Name, unique in the organisation.'),
    kind: z.literal('tcp'),
    host: z
      .union([z.literal(''), hostNameSchema])
      .default('')
      .describe('Server name (SNI) for TLS passthrough on a shared port; omit for a plain port of its own.'),
    port: tcpPortSchema,
    targets: tcpResourceTargetsSchema,
    options: tcpResourceOptionsSchema.default({}),
    ...linkFields,
  })
  .describe('A TCP resource: connections to `port` (with server name `host`, if set) go to `targets`.');

/** `POST /api/v1/orgs/{orgId}/resources`. */
export const createResourceRequest = z
  .discriminatedUnion('kind', [httpResourceInput, tcpResourceInput])
  .describe('A resource to publish.');
/** Body of a resource creation, defaults applied. */
export type CreateResourceRequest = z.output<typeof createResourceRequest>;

/**
 * `PATCH /api/v1/orgs/{orgId}/resources/{resourceId}`: the fields to change. The kind cannot change; the result
 * is checked as a whole against its kind (an HTTP resource has no `port`, a TCP one no `pathPrefix`).
 */
export const updateResourceRequest = z
  .strictObject({
    name: nameSchema.optional(),
    host: z
      .union([z.literal(''), hostNameSchema])
      .optional()
      .describe('New host name ("" only for TCP).'),
    pathPrefix: pathPrefixSchema.optional().describe('New path prefix (HTTP only).'),
    port: tcpPortSchema.optional().describe('New port (TCP only).'),
    targets: z
      .union([httpResourceTargetsSchema, tcpResourceTargetsSchema])
      .optional()
      .describe('New targets, replacing the old ones.'),
    options: z
      .union([httpResourceOptionsSchema, tcpResourceOptionsSchema])
      .optional()
      .describe('New options, replacing the old ones.'),
    ...linkFields,
  })
  .describe('Changes to a resource.');
/** Body of a resource update. */
export type UpdateResourceRequest = z.output<typeof updateResourceRequest>;

/** Query of `GET /api/v1/orgs/{orgId}/resources`: filters, besides pagination. */
export const resourceFilters = {
  q: z
    .string()
    .max(200)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
    .optional()
    .describe('Only resources whose name or host contains this text (case-insensitive).'),
  kind: z.enum(['http', 'tcp']).optional().describe('Only resources of this kind.'),
  siteId: idSchema.optional().describe('Only resources reached through this site.'),
  policyId: idSchema.optional().describe('Only resources with this policy.'),
};

const viewFields = {
  id: idSchema,
  orgId: idSchema,
  name: z.string(),
  host: z.string(),
  policyId: idSchema.nullable(),
  siteId: idSchema.nullable(),
  enabled: z.boolean(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
};

/** A resource as the API shows it. */
export const resourceView = z
  .discriminatedUnion('kind', [
    z.object({
      ...viewFields,
      kind: z.literal('http'),
      pathPrefix: z.string(),
      targets: httpResourceTargetsSchema,
      options: httpResourceOptionsSchema,
    }),
    z.object({
      ...viewFields,
      kind: z.literal('tcp'),
      port: z.number().int(),
      targets: tcpResourceTargetsSchema,
      options: tcpResourceOptionsSchema,
    }),
  ])
  .describe('A published resource.');
/** A resource in API answers. */
export type ResourceView = z.infer<typeof resourceView>;

/** Path parameters of one resource. */
export const resourceParams = z.strictObject({ orgId: idSchema, resourceId: idSchema });
