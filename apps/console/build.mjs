// Builds the console with Vite into dist/, unless dist/ is newer than every source file (so `npm start` stays fast).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const inputs = ['src', 'index.html', 'vite.config.ts', 'package.json', '../../packages/contracts/src'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const index = join(root, 'dist', 'index.html');
const fresh =
  process.env.RUSTRONAUT_CONSOLE_REBUILD !== '1' &&
  existsSync(index) &&
  statSync(index).mtimeMs > Math.max(...inputs.map((input) => newest(join(root, input))));
if (fresh) {
  console.log('console: dist/ is up to date');
} else {
  const { build } = await import('vite');
  await build({ root, logLevel: 'warn', configFile: join(root, 'vite.config.ts') });
  console.log('console: built into apps/console/dist/');
}
