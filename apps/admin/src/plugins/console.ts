import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build` puts the console (`apps/console/dist`): the same relative place from this file in `src/`
 * and in `dist/`. Read as files at run time, never imported.
 */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

/**
 * The console's policy: scripts, styles and connections only from this origin, no inline script or style, no
 * framing, no plugins. The bundle is built to need nothing more (no inline `<script>`, no `style` attributes).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
} as const;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Rustronaut</title></head>
<body>
<h1>Rustronaut is running</h1>
<p>The admin API answers under <code>/api/v1</code>. The console is not built: run <code>npm run build</code> (or <code>npm start</code>, which builds it).</p>
</body>
</html>
`;

/** Paths that are never console pages: an unknown one there is a 404 problem, not the app. */
const NOT_PAGES = /^\/(?:api|\.well-known)(?:\/|$)/;

/** Options of {@link consoleRoutes}. */
export interface ConsoleRoutesOptions {
  /** The built bundle: `index.html` and `assets/` with content-hashed file names. */
  readonly dir: string;
}

/**
 * Serves the console: hashed assets under `/assets/` cached for a year as immutable, and `index.html` (never
 * cached, so a new build is picked up at once) for `/` and every other GET that no API route takes, so client
 * routes such as `/orgs/…/resources` load the app. `/api/*` and `/.well-known/*` keep their 404 problem answers.
 */
export function consoleRoutes(options: ConsoleRoutesOptions) {
  const indexFile = join(options.dir, 'index.html');
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(fastifyStatic, {
      root: join(options.dir, 'assets'),
      prefix: '/assets/',
      index: false,
      decorateReply: false,
      dotfiles: 'ignore',
      maxAge: '365d',
      immutable: true,
      setHeaders: (reply) => void reply.headers(SECURITY_HEADERS),
    });
    const page = async (path: string, reply: FastifyReply) => {
      if (NOT_PAGES.test(path)) return reply.callNotFound();
      let html: Buffer | string;
      try {
        html = await readFile(indexFile);
      } catch {
        html = NOT_BUILT_PAGE;
      }
      return reply
        .headers(SECURITY_HEADERS)
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(html);
    };
    app.get('/', { schema: { hide: true } }, (_request, reply) => page('/', reply));
    app.get('/*', { schema: { hide: true } }, (request, reply) => page(request.url.split('?')[0] ?? '/', reply));
  };
}
