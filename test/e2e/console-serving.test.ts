// How the API serves the built console at /console (no browser needed).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Fastify from 'fastify';
import { consoleRoutes } from '../../src/platform/http/console.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function serverFor(root: string) {
  const app = Fastify();
  await app.register(consoleRoutes, { root });
  return app;
}

describe('console serving', () => {
  test('a built console: files, client routes, caching', async () => {
    const root = mkdtempSync(join(tmpdir(), 'console-'));
    dirs.push(root);
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(root, 'assets', 'index-AbCd1234.js'), 'console.log(1)');
    writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(root, '.secret'), 'no');
    const app = await serverFor(root);

    const index = await app.inject('/console/');
    assert.equal(index.statusCode, 200);
    assert.match(String(index.headers['content-type']), /^text\/html/);
    assert.equal(index.headers['cache-control'], 'no-cache');
    assert.match(String(index.headers['content-security-policy']), /default-src 'self'/);

    const route = await app.inject('/console/orders/ord_1');
    assert.equal(route.statusCode, 200);
    assert.equal(route.body, index.body);

    const asset = await app.inject('/console/assets/index-AbCd1234.js');
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['content-type']), /^(text|application)\/javascript/);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');

    const icon = await app.inject('/console/favicon.svg');
    assert.equal(icon.statusCode, 200);
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
    assert.equal(icon.headers['cache-control'], 'public, max-age=3600');

    assert.equal((await app.inject('/console/assets/index-missing.js')).statusCode, 404);
    assert.equal((await app.inject('/console/.secret')).statusCode, 404);
    // Relative segments never reach the file system: the app shell answers instead.
    const escape = await app.inject('/console/assets/..%2F..%2Fetc%2Fpasswd');
    assert.equal(escape.body, index.body);

    const bare = await app.inject('/console');
    assert.equal(bare.statusCode, 301);
    assert.equal(bare.headers.location, '/console/');
    await app.close();
  });

  test('no build yet: a 503 page that names the build command', async () => {
    const app = await serverFor(join(tmpdir(), 'console-never-built-' + process.pid));
    const res = await app.inject('/console/orders');
    assert.equal(res.statusCode, 503);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /npm run build:console/);
    await app.close();
  });
});
