import { createApp, createLogger, MIGRATIONS } from './app.js';
import { ConfigError, loadConfig, type Config } from './platform/config.js';
import { createDb, dbOptionsFromConfig, runMigrations } from './platform/db/index.js';
import { seed } from './seed.js';

async function migrateOnly(config: Config): Promise<void> {
  const database = await createDb(dbOptionsFromConfig(config.database));
  try {
    const applied = await runMigrations(database.db, MIGRATIONS);
    process.stdout.write(applied.length ? `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}\n` : 'Database is up to date.\n');
  } finally {
    await database.close();
  }
}

async function serve(config: Config): Promise<void> {
  const log = createLogger(config);
  const database = await createDb(dbOptionsFromConfig(config.database));
  const app = await createApp({ config, db: database, logger: log });
  const seeded = await seed(app, config);
  if (seeded.owner) log.info({ email: seeded.owner.email, outcome: seeded.owner.outcome }, 'owner account from BAZAAR_ADMIN_EMAIL');
  if (seeded.generatedOwner) {
    // Shown once on the console and deliberately not through the logger.
    process.stdout.write(
      `\n  Bazaar owner account created\n    email:    ${seeded.generatedOwner.email}\n    password: ${seeded.generatedOwner.password}\n` +
        `  Save it now: it is not shown again. Set BAZAAR_ADMIN_EMAIL and BAZAAR_ADMIN_PASSWORD to choose your own.\n\n`,
    );
  }
  app.dispatcher.start();
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
  process.stderr.write(`Unknown command ${command}; use "serve" or "migrate".\n`);
  process.exit(2);
}

main().catch((err: unknown) => {
  process.stderr.write(`Bazaar failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
