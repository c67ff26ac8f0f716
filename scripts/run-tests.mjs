// Runs every *.test.ts under the given folders (default: src and test) with node:test via tsx.
// Each file runs in its own process; two at a time on this project's 2-core target.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...find(path));
    else if (entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['src', 'test'];
const files = roots.flatMap(find).sort();
if (files.length === 0) {
  process.stderr.write('No test files found\n');
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// --test-force-exit: a file whose tests have finished ends even if something still holds its event
// loop open, so one leaked handle cannot stall the whole run.
const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-force-exit', '--test-reporter=spec'];
const result = spawnSync(process.execPath, [...args, ...files], { stdio: 'inherit', env: { ...process.env, BAZAAR_TEST: '1' } });
process.exit(result.status ?? 1);
