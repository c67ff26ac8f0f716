import { createApp, createLogger, MIGRATIONS } from './app.js';
import { ConfigError, loadConfig, type Config } from './platform/config.js';
import { createDb, dbOptionsFromConfig, runMigrations } from './platform/db/index.js';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pino } from 'pino';
import { createProgressBar } from './platform/progress.js';
import { seed } from './seed.js';
import { runReconcileCli } from './modules/payments/index.js';

async function migrateOnly(config: Config): Promise<void> {
  const database = await createDb(dbOptionsFromConfig(config.database));
  try {
    const applied = await runMigrations(database.db, MIGRATIONS);
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
  const app = await createApp({ config, db: database, logger: pino({ level: 'warn' }) });
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
  const app = await createApp({ config, db: database, logger: pino({ level: 'warn' }) });
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
  const app = await createApp({ config, db: database, logger: pino({ level: 'warn' }) });
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
  const app = await createApp({ config, db: database, logger: pino({ level: 'warn' }) });
  try {
    await runReconcileCli(app, argv);
  } finally {
    await app.close();
  }
}

async function serve(config: Config): Promise<void> {
  const log = createLogger(config);
  const database = await createDb(dbOptionsFromConfig(config.database));
  const app = await createApp({ config, db: database, logger: log });
  const seeded = await seed(app, config);
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
  app.startBackground();
  await app.server.listen({ port: config.port, host: config.host });
  log.info({ engine: app.engine, port: config.port }, 'Bazaar is serving');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      log.error('shutdown timed out; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    app.close().then(
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
  const command = process.argv[2] ?? 'serve';
  if (command === 'migrate') return migrateOnly(config);
  if (command === 'serve') return serve(config);
  if (command === 'reindex') return reindex(config);
  if (command === 'train') return train(config);
  if (command === 'reconcile') return reconcile(config, process.argv.slice(3));
  // npm runs scripts from the package root; a relative path means the caller's directory.
  if (command === 'import') return importFile(config, process.argv[3] && resolve(process.env.INIT_CWD ?? '.', process.argv[3]));
  process.stderr.write(`Unknown command ${command}; use "serve", "migrate", "reindex", "train", "reconcile" or "import <file>".\n`);
  process.exit(2);
}

main().catch((err: unknown) => {
  process.stderr.write(`Bazaar failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
