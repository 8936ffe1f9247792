import { errors } from '@rustronaut/errors';
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';

/**
 * Reads a YAML file and validates it against a zod schema. Throws `ERR_CONFIG_INVALID` listing every problem
 * as `file:line: dotted.path[0].field: message`, so a mistake is found without reading the schema.
 */
export async function parseYamlFile<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw invalid([`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw invalid(
      doc.errors.map((e) => {
        const message = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        return `${file}:${String(e.linePos?.[0].line ?? 0)}: ${message}`;
      }),
    );
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  throw invalid(
    result.error.issues.map((issue) => {
      // Point at the deepest node that exists: an unknown or missing key has no node of its own.
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      let line = 1;
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n), true) as YamlNode | undefined;
        if (node?.range) {
          line = lineCounter.linePos(node.range[0]).line;
          break;
        }
      }
      const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
      return `${file}:${String(line)}: ${formatPath(path) || '(top level)'}: ${issue.message}${keys}`;
    }),
  );
}

function formatPath(path: ReadonlyArray<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${String(p)}]` : i === 0 ? p : `.${p}`)).join('');
}

function invalid(problems: string[]) {
  return errors.configInvalid.create(`invalid configuration:\n  ${problems.join('\n  ')}`, { details: { problems } });
}
