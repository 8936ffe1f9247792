import { gatewayFileSchema } from '@rustronaut/contracts';
import { toJSONSchema } from 'zod';

interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

/**
 * Renders the field reference of the gateway file from its schema, one row per field, for docs/gateway.md
 * (between the `reference` markers; `npm run docs` rewrites it and a test fails when it is stale).
 */
export function renderGatewayReference(): string {
  const root = toJSONSchema(gatewayFileSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: string[] = [];
  const walk = (node: JsonSchema, path: string, required: boolean) => {
    const isObject = node.type === 'object' && node.properties !== undefined;
    const isObjectArray = node.type === 'array' && node.items?.type === 'object' && node.items.properties !== undefined;
    if (path !== '') {
      const def = node.default === undefined ? (required ? 'required' : '') : `\`${JSON.stringify(node.default)}\``;
      rows.push(`| \`${path}\` | ${typeName(node)} | ${def} | ${(node.description ?? '').replaceAll('|', '\\|')} |`);
    }
    // A union (`access: public` or an object) lists the fields of its object alternatives under the same path.
    const alternatives = node.anyOf?.filter((a) => a.type === 'object' && a.properties !== undefined) ?? [];
    const children = isObject ? [node] : isObjectArray && node.items ? [node.items] : alternatives;
    const prefix = isObjectArray ? `${path}[]` : path;
    for (const child of children) {
      for (const [key, value] of Object.entries(child.properties ?? {})) {
        walk(value, prefix ? `${prefix}.${key}` : key, child.required?.includes(key) ?? false);
      }
    }
  };
  walk(root, '', true);
  return ['| Field | Type | Default | Description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function typeName(node: JsonSchema): string {
  if (node.const !== undefined)
    return `\`${typeof node.const === 'string' ? node.const : JSON.stringify(node.const)}\``;
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (node.anyOf) return [...new Set(node.anyOf.map(typeName))].join(' \\| ');
  if (node.type === 'array') return `list of ${node.items ? typeName(node.items) : 'any'}`;
  return node.type ?? 'any';
}

const START = /<!-- reference:start[^>]*-->\n/;
const END = '<!-- reference:end -->';

/** Replaces what lies between the reference markers of a document with `reference`. */
export function spliceReference(doc: string, reference: string): string {
  const start = START.exec(doc);
  const end = doc.indexOf(END);
  if (start === null || end < start.index) throw new Error('docs/gateway.md: reference markers missing');
  return `${doc.slice(0, start.index + start[0].length)}${reference}\n${doc.slice(end)}`;
}
