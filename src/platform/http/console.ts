import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Where `npm run build:console` writes the console: `console/dist` at the repository root, found
 * from this file whether it runs as `src/platform/http/console.ts` (tsx) or
 * `dist/platform/http/console.js` (built).
 */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

export interface ConsoleOptions {
  /** The built console's folder; CONSOLE_DIST by default. */
  root?: string;
}

// Vite names built assets `assets/<name>-<content hash>.<ext>`: a new build means a new name, so
// these may be cached for good. Everything else (index.html above all) is revalidated each time.
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const HAS_EXTENSION = /\.[A-Za-z0-9]+$/;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Console not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>The operations console has not been built</h1>
<p>This server serves the console from <code>console/dist</code>, which does not exist yet.
Run <code>npm run build:console</code> (or <code>npm start</code>, which builds it when needed) and reload this page.</p>
<p>The admin API itself is up: see <a href="/docs">/docs</a>.</p>
</body>
</html>
`;

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Serves the operations console (a single-page app) at `/console/`: built files with their content
 * types and caching, `index.html` for client routes such as `/console/orders/ord_1`, and a 503 page
 * naming the build command while `console/dist` is missing. The console itself talks only to
 * `/admin` on the same origin.
 */
export const consoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, options) => {
  const root = options.root ?? CONSOLE_DIST;
  // serve: false — only `reply.sendFile` (ETag, Last-Modified, ranges, MIME types); routes are ours.
  await app.register(fastifyStatic, { root, serve: false, suppressWarning: true });

  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/', 301));

  app.get('/console/*', { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    reply.headers(SECURITY_HEADERS);
    if (!existsSync(join(root, 'index.html'))) {
      return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    }
    const path = (request.params as { '*'?: string })['*'] ?? '';
    const segments = path.split('/');
    // No dot-files, no empty or relative segments: nothing outside the build folder is reachable.
    const plain = path !== '' && segments.every((s) => s !== '' && !s.startsWith('.'));
    if (plain && isFile(join(root, path))) {
      if (HASHED_ASSET.test(path)) return reply.sendFile(path, { maxAge: '365d', immutable: true });
      return reply.sendFile(path, { maxAge: '1h' });
    }
    // A missing file stays a 404; only extension-less paths are the app's own routes.
    if (HAS_EXTENSION.test(segments[segments.length - 1] ?? '')) return reply.callNotFound();
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  });
};
