// Compiles src/ into dist/ and builds the operations console into console/dist/ when either is
// missing or older than its sources, so `npm start` on a fresh clone (or after a pull) always
// runs current code. `node scripts/build-if-needed.mjs console` checks the console only.
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

const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0);
const only = process.argv[2];

if (only !== 'console') {
  const marker = 'dist/main.js';
  const sources = Math.max(newest('src', (n) => n.endsWith('.ts')), mtime('tsconfig.json'), mtime('tsconfig.build.json'), mtime('package-lock.json'));
  if (!existsSync(marker) || statSync(marker).mtimeMs < sources) {
    process.stdout.write('Building Bazaar…\n');
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  }
}

if (only === undefined || only === 'console') {
  const marker = 'console/dist/index.html';
  const sources = Math.max(
    newest('console/src', () => true),
    mtime('console/index.html'),
    mtime('console/vite.config.ts'),
    mtime('console/tsconfig.json'),
    mtime('package-lock.json'),
  );
  if (!existsSync(marker) || statSync(marker).mtimeMs < sources) {
    const vite = 'node_modules/vite/bin/vite.js';
    if (!existsSync(vite)) {
      // A production install (--omit=dev) has no build tools: the API still runs, and /console
      // answers with a page that names the build command.
      process.stdout.write('note: vite is not installed, so the console is not built (npm install, then npm run build:console)\n');
    } else {
      process.stdout.write('Building the operations console…\n');
      execFileSync(process.execPath, [vite, 'build', 'console', '--logLevel', 'warn'], { stdio: 'inherit' });
    }
  }
}
