import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('..', import.meta.url));
const DOC = fileURLToPath(new URL('../../../../docs/audit.md', import.meta.url));

/** Every action string the admin's code passes to `recordAudit` (`action: 'x.y'` or `action: c ? 'x.y' : 'x.z'`). */
async function actionsInCode(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  for (const file of files) {
    const text = await readFile(join(SRC, file), 'utf8');
    for (const [, expression = ''] of text.matchAll(/\baction:\s*([^,\n}]+)/g)) {
      for (const [, action = ''] of expression.matchAll(/'([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)'/g)) {
        found.set(action, file);
      }
    }
  }
  return found;
}

describe('docs/audit.md', () => {
  it('lists every action the code records', async () => {
    const code = await actionsInCode();
    // The scan must see the writers it is meant to police, or it checks nothing.
    expect([...code.keys()]).toEqual(expect.arrayContaining(['auth.login', 'org.create', 'auth.logout_all']));
    const doc = await readFile(DOC, 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `([a-z0-9_.]+)`/gm)].map(([, action]) => action));
    const missing = [...code].filter(([action]) => !documented.has(action)).map(([a, f]) => `${a} (${f})`);
    expect(missing, 'add these actions to the table in docs/audit.md').toEqual([]);
  });
});
