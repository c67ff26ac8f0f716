import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { INTERNAL_EVENTS, WEBHOOK_EVENTS } from './events.js';

const SRC = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

test('every event published under a literal name is offered to webhooks or declared internal', () => {
  const known = new Set<string>([...WEBHOOK_EVENTS, ...INTERNAL_EVENTS]);
  const unknown: string[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/publish\(\s*\w+,\s*'([a-z_]+\.[a-z_]+)'/g)) {
      if (!known.has(m[1]!)) unknown.push(`${m[1]} (${file.slice(SRC.length)})`);
    }
  }
  assert.deepEqual(unknown, [], 'add new events to WEBHOOK_EVENTS or INTERNAL_EVENTS in src/modules/webhooks/events.ts');
});

test('names are unique and dotted', () => {
  assert.equal(new Set(WEBHOOK_EVENTS).size, WEBHOOK_EVENTS.length);
  for (const name of WEBHOOK_EVENTS) assert.match(name, /^[a-z][a-z_]*\.[a-z][a-z_]*$/);
});
