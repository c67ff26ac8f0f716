import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildTestApp, DATABASES, type TestApp } from '../helpers/app.js';
import { client } from '../helpers/http.js';

for (const engine of DATABASES) {
  describe(`service basics [${engine}]`, () => {
    let app: TestApp;
    before(async () => {
      app = await buildTestApp(engine);
    });
    after(() => app.close());

    test('healthz and readyz', async () => {
      const http = client(app.server);
      assert.equal((await http.get('/healthz')).status, 200);
      const ready = await http.get('/readyz');
      assert.equal(ready.status, 200);
      assert.equal(ready.body.status, 'ready');
    });
  });
}
