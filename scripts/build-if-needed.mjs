// Compiles src/ into dist/ when dist/ is missing or older than any source file, so
// `npm start` on a fresh clone (or after a pull) always runs current code.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir, filter) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path, filter));
    else if (filter(entry.name)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

const marker = 'dist/main.js';
const sources = Math.max(newest('src', (n) => n.endsWith('.ts')), statSync('tsconfig.json').mtimeMs, statSync('tsconfig.build.json').mtimeMs, statSync('package-lock.json').mtimeMs);
if (!existsSync(marker) || statSync(marker).mtimeMs < sources) {
  process.stdout.write('Building Bazaar…\n');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
