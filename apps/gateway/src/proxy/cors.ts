import type { CorsConfig } from '@rustronaut/contracts';

/** A route's CORS settings, with header values precomputed. */
export interface CompiledCors {
  /** True when the origin may use the route. */
  allows(origin: string): boolean;
  readonly anyOrigin: boolean;
  readonly credentials: boolean;
  readonly methods: ReadonlySet<string>;
  readonly allowMethods: string;
  readonly allowHeaders: string;
  readonly exposeHeaders: string;
  readonly maxAge: string;
}

/** Compiles a route's CORS configuration. */
export function compileCors(config: CorsConfig): CompiledCors {
  const origins = new Set(config.allowOrigins.map((o) => o.toLowerCase()));
  const anyOrigin = origins.has('*');
  if (anyOrigin && config.allowCredentials) {
    // The Fetch standard forbids `*` with credentials; reflecting any origin with credentials would be worse.
    throw new TypeError('cors: allowOrigins "*" cannot be combined with allowCredentials');
  }
  return {
    allows: (origin) => anyOrigin || origins.has(origin.toLowerCase()),
    anyOrigin,
    credentials: config.allowCredentials,
    methods: new Set(config.allowMethods),
    allowMethods: config.allowMethods.join(', '),
    allowHeaders: config.allowHeaders.join(', '),
    exposeHeaders: config.exposeHeaders.join(', '),
    maxAge: String(config.maxAgeSeconds),
  };
}

/**
 * Headers for a simple or actual CORS response to `origin` (Fetch standard, "CORS protocol"), or undefined
 * when the origin is not allowed (the browser then blocks the response).
 */
export function corsResponseHeaders(cors: CompiledCors, origin: string): Record<string, string> | undefined {
  if (!cors.allows(origin)) return undefined;
  const headers: Record<string, string> = {
    'access-control-allow-origin': cors.anyOrigin ? '*' : origin,
  };
  if (!cors.anyOrigin) headers['vary'] = 'Origin';
  if (cors.credentials) headers['access-control-allow-credentials'] = 'true';
  if (cors.exposeHeaders) headers['access-control-expose-headers'] = cors.exposeHeaders;
  return headers;
}

/** Headers answering an allowed preflight, or undefined when the origin or method is not allowed. */
export function corsPreflightHeaders(
  cors: CompiledCors,
  origin: string,
  method: string,
): Record<string, string> | undefined {
  const base = corsResponseHeaders(cors, origin);
  if (!base || !cors.methods.has(method)) return undefined;
  return {
    ...base,
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    'access-control-allow-methods': cors.allowMethods,
    ...(cors.allowHeaders ? { 'access-control-allow-headers': cors.allowHeaders } : {}),
    'access-control-max-age': cors.maxAge,
  };
}
