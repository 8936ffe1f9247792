/**
 * The operations of the admin's OpenAPI document (`GET /api/openapi.json`), flattened into what the cross-cutting
 * API tests need: method, path template, parameters, body schema, permission and success status.
 */

/** A JSON Schema object as the OpenAPI document carries it (JSON Schema 2020-12 in OpenAPI 3.1). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** The part of an OpenAPI 3.1 document these helpers read. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components?: { readonly schemas?: Readonly<Record<string, JsonSchema>> };
}

/** One path or query parameter. */
export interface ParameterSpec {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  readonly schema: JsonSchema;
}

/** One operation (method + path) of the document. */
export interface Operation {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The OpenAPI path template, e.g. `/api/v1/orgs/{orgId}/sites/{siteId}`. */
  readonly path: string;
  readonly summary: string | undefined;
  readonly pathParams: readonly ParameterSpec[];
  readonly queryParams: readonly ParameterSpec[];
  /** The JSON body schema, when the operation takes a body. */
  readonly body: JsonSchema | undefined;
  /** `x-permission` of the operation: the permission an org-scoped route needs. */
  readonly permission: string | undefined;
  /** Response status codes the document declares, as strings. */
  readonly responses: readonly string[];
  /** The raw operation object. */
  readonly raw: Readonly<Record<string, unknown>>;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

/** The org-scoped path prefix: every operation under it must check membership and a permission. */
export const ORG_PREFIX = '/api/v1/orgs/{orgId}';

/** Whether an operation is org-scoped (under `/api/v1/orgs/{orgId}`). */
export const isOrgScoped = (op: Pick<Operation, 'path'>): boolean =>
  op.path === ORG_PREFIX || op.path.startsWith(`${ORG_PREFIX}/`);

/** A stable label for messages: `POST /api/v1/orgs/{orgId}/sites`. */
export const labelOf = (op: Pick<Operation, 'method' | 'path'>): string => `${op.method} ${op.path}`;

const asRecord = (value: unknown): Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** Resolves a local `$ref` (`#/components/schemas/X`), once, as deep as the schema goes. */
export function resolveRef(doc: OpenApiDocument, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; depth < 20 && typeof current.$ref === 'string'; depth++) {
    const ref = current.$ref;
    const pointer = ref.replace(/^#\//, '').split('/');
    let target: unknown = doc;
    for (const part of pointer) target = asRecord(target)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    if (typeof target !== 'object' || target === null) throw new Error(`unresolvable $ref ${ref}`);
    current = target as JsonSchema;
  }
  return current;
}

/** Every operation of the document (HEAD is Fastify's implicit twin of GET and is not listed). */
export function listOperations(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const raw = asRecord(item[method]);
      if (item[method] === undefined) continue;
      const parameters = (Array.isArray(raw.parameters) ? raw.parameters : []).map((p) => {
        const param = resolveRef(doc, asRecord(p));
        return {
          name: String(param.name),
          in: param.in === 'path' ? 'path' : 'query',
          required: param.required === true,
          schema: resolveRef(doc, asRecord(param.schema)),
        } satisfies ParameterSpec;
      });
      const content = asRecord(asRecord(raw.requestBody).content);
      const json = content['application/json'];
      operations.push({
        method: method.toUpperCase(),
        path,
        summary: typeof raw.summary === 'string' ? raw.summary : undefined,
        pathParams: parameters.filter((p) => p.in === 'path'),
        queryParams: parameters.filter((p) => p.in === 'query'),
        body: json === undefined ? undefined : resolveRef(doc, asRecord(asRecord(json).schema)),
        permission: typeof raw['x-permission'] === 'string' ? raw['x-permission'] : undefined,
        responses: Object.keys(asRecord(raw.responses)),
        raw,
      });
    }
  }
  return operations;
}

/** The success status an operation declares: its lowest 2xx response (201 for creates, 204 for deletes). */
export function successStatus(op: Pick<Operation, 'responses'>): number | undefined {
  const codes = op.responses
    .filter((code) => /^2\d\d$/.test(code))
    .map(Number)
    .sort((a, b) => a - b);
  return codes[0];
}

/**
 * The collection an operation belongs to and the id parameter of that collection's items, from the path:
 * `/api/v1/orgs/{orgId}/sites/{siteId}/x` -> the collection `sites` has items `{siteId}`.
 */
export function collectionsOf(path: string): { collection: string; idParam: string | undefined }[] {
  const parts = path.split('/').filter(Boolean);
  const found: { collection: string; idParam: string | undefined }[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (part.startsWith('{')) continue;
    const next = parts[i + 1];
    found.push({ collection: part, idParam: next?.startsWith('{') === true ? next.slice(1, -1) : undefined });
  }
  return found;
}

/**
 * The kinds of object an organisation holds that the API creates: `POST /api/v1/orgs/{orgId}/<collection>`
 * with an item path `/api/v1/orgs/{orgId}/<collection>/{<id>}`. Returns one entry per collection.
 */
export interface CreatableKind {
  /** The collection segment, e.g. `sites`. */
  readonly collection: string;
  /** The item id parameter, e.g. `siteId`. */
  readonly idParam: string;
  readonly create: Operation;
  /** `GET` of the collection (the list), when there is one. */
  readonly list: Operation | undefined;
}

/** The creatable kinds of the document (see `CreatableKind`). */
export function creatableKinds(operations: readonly Operation[]): CreatableKind[] {
  const kinds: CreatableKind[] = [];
  for (const create of operations) {
    if (create.method !== 'POST' || !create.path.startsWith(`${ORG_PREFIX}/`)) continue;
    const rest = create.path.slice(ORG_PREFIX.length + 1);
    if (rest.includes('/') || rest.includes('{')) continue;
    const item = operations.find((op) => new RegExp(`^${escape(create.path)}/\\{([^}/]+)\\}$`).test(op.path));
    const idParam = item?.path.slice(create.path.length + 2, -1);
    if (idParam === undefined) continue;
    kinds.push({
      collection: rest,
      idParam,
      create,
      list: operations.find((op) => op.method === 'GET' && op.path === create.path),
    });
  }
  return kinds;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether the operation answers with a server-sent event stream (which never ends by itself). */
const isEventStream = (op: Operation): boolean =>
  Object.values((op.raw.responses ?? {}) as Record<string, { content?: Record<string, unknown> }>).some(
    (response) => response.content?.['text/event-stream'] !== undefined,
  );

/**
 * The list operations of an organisation: `GET /api/v1/orgs/{orgId}/<collection>` without further path
 * parameters, used to snapshot what an org holds (event streams left out: they show what happens, not what is held).
 */
export function orgLists(operations: readonly Operation[]): Operation[] {
  return operations.filter(
    (op) =>
      op.method === 'GET' && op.path.startsWith(`${ORG_PREFIX}/`) && op.pathParams.length === 1 && !isEventStream(op),
  );
}
