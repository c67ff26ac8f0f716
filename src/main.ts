import type { BazaarApp } from './app.js';
import { clusterProcessKind, runClusterPrimary } from './platform/cluster.js';
import { ConfigError, loadConfig, type Config } from './platform/config.js';
import { createDb, dbOptionsFromConfig, runMigrations } from './platform/db/index.js';
import { runBackupCli } from './platform/db/backup-cli.js';
import { readFile } from 'node:fs/promises';
import v8 from 'node:v8';
import { extname, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { createProgressBar } from './platform/progress.js';
import { createLogger } from './platform/logger.js';

/** The service itself, loaded only by processes that run it: a cluster's primary just supervises. */
const loadApp = () => import('./app.js');

async function migrateOnly(config: Config): Promise<void> {
  const database = await createDb(dbOptionsFromConfig(config.database));
  try {
    const applied = await runMigrations(database.db, (await loadApp()).MIGRATIONS);
    process.stdout.write(applied.length ? `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}\n` : 'Database is up to date.\n');
  } finally {
    await database.close();
  }
}

/** `main.js import <file.csv|file.ndjson>`: imports products in this process with a progress bar. */
async function importFile(config: Config, file: string | undefined): Promise<void> {
  if (!file) {
    process.stderr.write('Usage: npm run import -- <file.csv | file.ndjson>\n');
    process.exit(2);
  }
  const format = extname(file).toLowerCase() === '.csv' ? 'csv' : 'ndjson';
  const content = await readFile(file, 'utf8');
  const database = await createDb(dbOptionsFromConfig(config.database));
  const app = await (await loadApp()).createApp({ config, db: database, logger: pino({ level: 'warn' }) });
  try {
    const bar = createProgressBar(`Importing ${file}`);
    const errors: { row: number; message: string }[] = [];
    const summary = await app.modules.catalog.importProducts(format, content, {
      total: (n) => bar.setTotal(n),
      progress: (d) => {
        bar.advance(d.processed, d.failed);
        errors.push(...d.errors);
      },
    });
    bar.finish();
    // The outbox events of the import (search indexing) are delivered before exiting.
    await app.dispatcher.drain();
    for (const e of errors.slice(0, 50)) process.stderr.write(`  row ${e.row}: ${e.message}\n`);
    if (errors.length > 50) process.stderr.write(`  … and ${errors.length - 50} more\n`);
    const { created, updated, failed } = summary.products;
    process.stdout.write(`Products: ${created} created, ${updated} updated, ${failed} failed; rows failed: ${summary.rowsFailed} of ${summary.rows}\n`);
    if (summary.rowsFailed > 0) process.exitCode = 1;
  } finally {
    await app.close();
  }
}

/** `main.js reindex`: rebuilds the search index from the catalog with a progress bar. */
async function reindex(config: Config): Promise<void> {
  const database = await createDb(dbOptionsFromConfig(config.database));
  const app = await (await loadApp()).createApp({ config, db: database, logger: pino({ level: 'warn' }) });
  try {
    const bar = createProgressBar('Reindexing products');
    const started = Date.now();
    const result = await app.modules.search.reindexAll({ total: (n) => bar.setTotal(n), advance: (n) => bar.advance(n) });
    bar.finish();
    process.stdout.write(`Indexed ${result.indexed} product(s), removed ${result.removed} stale document(s) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await app.close();
  }
}

/** `main.js train`: rebuilds the recommendation models now, with progress per stage. */
async function train(config: Config): Promise<void> {
  const database = await createDb(dbOptionsFromConfig(config.database));
  const app = await (await loadApp()).createApp({ config, db: database, logger: pino({ level: 'warn' }) });
  try {
    let bar: ReturnType<typeof createProgressBar> | null = null;
    let done = 0;
    let sized = false;
    const result = await app.modules.recommendations.train({
      force: true,
      progress: {
        stage(name, total) {
          bar?.finish();
          bar = createProgressBar(name);
          done = 0;
          sized = total > 0;
          bar.setTotal(total);
        },
        advance(n) {
          if (!bar) return;
          // Stages of unknown size grow their total as they go.
          if (!sized) bar.setTotal(n);
          bar.advance(n - done);
          done = n;
        },
      },
    });
    (bar as ReturnType<typeof createProgressBar> | null)?.finish();
    if (result.outcome === 'busy') {
      process.stderr.write('Another process is training the models right now; try again when it is done.\n');
      process.exitCode = 1;
      return;
    }
    process.stdout.write(
      `Models version ${result.version}: ${result.events.toLocaleString('en-US')} events, ${result.products.toLocaleString('en-US')} products, ${result.rowsWritten.toLocaleString('en-US')} rows written in ${(result.durationMs / 1000).toFixed(1)} s\n`,
    );
  } finally {
    await app.close();
  }
}

/** `main.js reconcile --provider <id> [--date YYYY-MM-DD]`: payments against the gateway's records. */
async function reconcile(config: Config, argv: string[]): Promise<void> {
  const database = await createDb(dbOptionsFromConfig(config.database));
  const app = await (await loadApp()).createApp({ config, db: database, logger: pino({ level: 'warn' }) });
  try {
    await (await import('./modules/payments/index.js')).runReconcileCli(app, argv);
  } finally {
    await app.close();
  }
}

/** Stops cleanly on SIGTERM or SIGINT: `close` runs once, and a stuck shutdown exits after 25 s. */
function closeOnSignals(log: Logger, close: () => Promise<void>): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing in-flight work');
    const force = setTimeout(() => {
      log.error('shutdown timed out; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    close().then(
      () => {
        log.info('shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Migrations (run by `createApp`) and the first-start data: the owner account and the demo shop. */
async function prepare(app: BazaarApp, config: Config, log: Logger): Promise<void> {
  const seeded = await (await import('./seed.js')).seed(app, config);
  if (seeded.owner) log.info({ email: seeded.owner.email, outcome: seeded.owner.outcome }, 'owner account from BAZAAR_ADMIN_EMAIL');
  if (seeded.demoProducts) log.info({ products: seeded.demoProducts }, 'demo catalog loaded');
  if (seeded.demoEvents) log.info({ events: seeded.demoEvents }, 'demo shopper behaviour generated and recommendation models trained');
  if (seeded.generatedOwner) {
    // Shown once on the console and deliberately not through the logger.
    process.stdout.write(
      `\n  Bazaar owner account created\n    email:    ${seeded.generatedOwner.email}\n    password: ${seeded.generatedOwner.password}\n` +
        `  Save it now: it is not shown again. Set BAZAAR_ADMIN_EMAIL and BAZAAR_ADMIN_PASSWORD to choose your own.\n\n`,
    );
  }
}

async function openApp(config: Config, log: Logger): Promise<BazaarApp> {
  const database = await createDb(dbOptionsFromConfig(config.database));
  const replica = config.database.replicaUrl ? await createDb({ url: config.database.replicaUrl.reveal(), poolSize: config.database.poolSize, countStatements: config.database.countStatements, preparedStatements: config.database.preparedStatements }) : undefined;
  return (await loadApp()).createApp({ config, db: database, replica, logger: log });
}

/** An HTTP process: with `first`, it also prepares the database; with `shared`, it runs the background work too. */
async function serveHttp(config: Config, log: Logger, options: { first: boolean; shared: boolean }): Promise<void> {
  const app = await openApp(config, log);
  if (options.first) await prepare(app, config, log);
  app.startBackground({ shared: options.shared });
  await app.server.listen({ port: config.port, host: config.host });
  log.info({ engine: app.engine, port: config.port, background: options.shared }, 'Bazaar is serving');
  closeOnSignals(log, () => app.close());
}

/** `main.js worker`: the background work only (outbox, jobs, order clock, sweeps, training, folds); no HTTP. */
async function work(config: Config, log: Logger): Promise<void> {
  const app = await openApp(config, log);
  app.startBackground({ shared: true });
  log.info({ engine: app.engine }, 'Bazaar worker is running');
  closeOnSignals(log, () => app.close());
}

/** `--workers N` on the command line wins over BAZAAR_WORKERS. */
function apiProcessCount(argv: string[], configured: number): number {
  const at = argv.findIndex((a) => a === '--workers' || a.startsWith('--workers='));
  if (at < 0) return configured;
  const flag = argv[at] ?? '';
  const raw = flag.includes('=') ? flag.slice('--workers='.length) : argv[at + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    process.stderr.write(`--workers takes a whole number from 1 to 64 (got ${JSON.stringify(raw ?? '')})\n`);
    process.exit(2);
  }
  return n;
}

async function serve(config: Config, argv: string[]): Promise<void> {
  const log = createLogger(config);
  const kind = clusterProcessKind();
  if (kind === 'prepare') {
    const app = await openApp(config, log);
    try {
      await prepare(app, config, log);
    } finally {
      await app.close();
    }
    // A cluster child's channel to the primary would keep it alive.
    process.exit(0);
  }
  if (kind === 'api') return serveHttp(config, log, { first: false, shared: false });
  if (kind === 'worker') return work(config, log);
  const apiProcesses = apiProcessCount(argv, config.processes.api);
  if (apiProcesses === 1) return serveHttp(config, log, { first: true, shared: config.processes.background });
  if (!config.database.url) {
    process.stderr.write('Several API processes need PostgreSQL (set DATABASE_URL): the embedded database belongs to one process.\n');
    process.exit(2);
  }
  log.info({ apiProcesses, background: config.processes.background }, 'starting a cluster');
  return runClusterPrimary({ apiProcesses, background: config.processes.background, log });
}

/**
 * Caps how far the V8 heap grows between full collections (V8 reads the factor at each one). By
 * default V8 lets a busy process's heap reach two to three times its live data: short-lived
 * cache entries and in-flight requests die in the old generation and wait there. A command-line
 * `--heap-growing-percent` wins.
 */
function limitHeapGrowth(percent: number): void {
  if (percent <= 0 || process.execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) return;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  limitHeapGrowth(config.processes.heapGrowthPercent);
  // `npm start -- --workers 2` arrives as options without a command: that is `serve`.
  const explicit = process.argv[2] !== undefined && !process.argv[2].startsWith('--');
  const command = explicit ? process.argv[2] : 'serve';
  if (command === 'migrate') return migrateOnly(config);
  if (command === 'serve') return serve(config, process.argv.slice(explicit ? 3 : 2));
  if (command === 'worker') return work(config, createLogger(config));
  if (command === 'reindex') return reindex(config);
  if (command === 'train') return train(config);
  if (command === 'reconcile') return reconcile(config, process.argv.slice(3));
  // npm runs scripts from the package root; a relative path means the caller's directory.
  if (command === 'import') return importFile(config, process.argv[3] && resolve(process.env.INIT_CWD ?? '.', process.argv[3]));
  if (command === 'backup' || command === 'restore') {
    process.exitCode = await runBackupCli(command, config.database, process.argv.slice(3), { cwd: process.env.INIT_CWD ?? process.cwd(), env: process.env });
    return;
  }
  process.stderr.write(`Unknown command ${command}; use "serve [--workers N]", "worker", "migrate", "reindex", "train", "reconcile", "import <file>", "backup [file]" or "restore <file>".\n`);
  process.exit(2);
}

main().catch((err: unknown) => {
  process.stderr.write(`Bazaar failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
