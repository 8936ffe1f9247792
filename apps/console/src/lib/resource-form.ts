import type { ResourceInput, ResourceView } from '../api/types.js';

/** The resource form as the user edits it: strings, as inputs hold them. */
export interface ResourceForm {
  readonly name: string;
  readonly kind: 'http' | 'tcp';
  readonly host: string;
  readonly pathPrefix: string;
  readonly port: string;
  /** One target a line: `http://10.0.0.5:3000` for HTTP, `10.0.0.7:5432` for TCP. */
  readonly targets: string;
  readonly public: boolean;
  readonly enabled: boolean;
  /** Id, or '' for none. */
  readonly policyId: string;
  readonly siteId: string;
}

/** An empty form. */
export const EMPTY_RESOURCE_FORM: ResourceForm = {
  name: '',
  kind: 'http',
  host: '',
  pathPrefix: '/',
  port: '',
  targets: '',
  public: false,
  enabled: true,
  policyId: '',
  siteId: '',
};

/** The form of an existing resource. */
export function formOf(resource: ResourceView): ResourceForm {
  const base = {
    name: resource.name,
    host: resource.host,
    public: resource.options.public === true,
    enabled: resource.enabled,
    policyId: resource.policyId ?? '',
    siteId: resource.siteId ?? '',
  };
  return resource.kind === 'http'
    ? {
        ...base,
        kind: 'http',
        pathPrefix: resource.pathPrefix,
        port: '',
        targets: resource.targets.map((t) => t.url).join('\n'),
      }
    : {
        ...base,
        kind: 'tcp',
        pathPrefix: '/',
        port: String(resource.port),
        targets: resource.targets
          .map((t) => `${t.host.includes(':') ? `[${t.host}]` : t.host}:${String(t.port)}`)
          .join('\n'),
      };
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

/** `host:port` or `[v6]:port` into a TCP target; a line it cannot split goes as it is, for the server to name. */
export function tcpTargetOf(line: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(line) ?? /^([^:]+):(\d+)$/.exec(line);
  return m?.[1] !== undefined && m[2] !== undefined ? { host: m[1], port: Number(m[2]) } : { host: line, port: 0 };
}

/** The port as typed: a number when it is one, else the text (the API then says what is wrong). */
const portOf = (text: string): number => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN);

/**
 * The body of a create (or, with `forUpdate`, of a PATCH: no `kind`) from the form. Validation is the API's: the
 * body carries what the user typed, and the API's field errors are shown at the fields.
 */
export function resourceBody(form: ResourceForm, forUpdate = false): Record<string, unknown> {
  const links = {
    policyId: form.policyId === '' ? null : form.policyId,
    siteId: form.siteId === '' ? null : form.siteId,
  };
  const common = { name: form.name, host: form.host.trim(), enabled: form.enabled, ...links };
  if (form.kind === 'http') {
    const body: ResourceInput = {
      ...common,
      kind: 'http',
      pathPrefix: form.pathPrefix.trim() === '' ? '/' : form.pathPrefix.trim(),
      targets: lines(form.targets).map((url) => ({ url })),
      options: form.public ? { public: true } : {},
    };
    return forUpdate ? withoutKind(body) : body;
  }
  const port = portOf(form.port);
  const body = {
    ...common,
    kind: 'tcp' as const,
    port: Number.isNaN(port) ? form.port : port,
    targets: lines(form.targets).map(tcpTargetOf),
    options: form.public ? { public: true } : {},
  };
  return forUpdate ? withoutKind(body) : body;
}

function withoutKind(body: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...body };
  delete rest.kind;
  return rest;
}
