import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

/**
 * What a process of a cluster does. The primary only supervises: it forks a `prepare` process
 * (migrations and first-start data) and waits for it, then the `api` processes that share the
 * HTTP port, and a `worker` process for background work unless that runs elsewhere.
 */
export type ProcessKind = 'prepare' | 'api' | 'worker';

const KIND_VARIABLE = 'BAZAAR_PROCESS_KIND';

/** This process's part in a cluster, or `null` when it is not a cluster child. */
export function clusterProcessKind(): ProcessKind | null {
  if (!cluster.isWorker) return null;
  const kind = process.env[KIND_VARIABLE];
  return kind === 'prepare' || kind === 'api' || kind === 'worker' ? kind : null;
}

export interface ClusterOptions {
  /** API processes to keep running. */
  apiProcesses: number;
  /** Whether to keep one background worker process too (false: `npm run worker` runs elsewhere). */
  background: boolean;
  log: Logger;
  /** Milliseconds children get to finish after SIGTERM before they are killed (default 30 s). */
  shutdownGraceMs?: number;
}

/** Restart delays for a child that keeps dying soon after it starts: 1 s doubling to 30 s. */
export function restartDelay(recentCrashes: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, recentCrashes - 1));
}

/** A child that lived at least this long before dying starts again at once. */
const STABLE_MS = 10_000;

/**
 * Runs the cluster primary until SIGTERM or SIGINT. Children that die are forked again (a
 * `kill -9`, an out-of-memory kill, a crash), at once if they had run for a while, otherwise
 * with a growing delay. On a signal every child gets SIGTERM and time to finish its requests.
 */
export async function runClusterPrimary(options: ClusterOptions): Promise<void> {
  const { log } = options;
  const grace = options.shutdownGraceMs ?? 30_000;
  let stopping = false;

  const prepared = await new Promise<boolean>((resolve) => {
    const child = cluster.fork({ [KIND_VARIABLE]: 'prepare' });
    child.on('exit', (code, signal) => {
      if (code !== 0) log.error({ code, signal }, 'preparing the database failed; not starting the API processes');
      resolve(code === 0);
    });
  });
  if (!prepared) {
    process.exitCode = 1;
    return;
  }

  // glibc gives each thread that allocates its own malloc arena; argon2 and the other libuv pool
  // work would leave eight per core holding freed memory. Two keep each child's RSS near its use.
  const arenas = process.env.MALLOC_ARENA_MAX ?? '2';
  const crashes = new Map<string, number>();
  const spawn = (kind: 'api' | 'worker', slot: number) => {
    const key = `${kind}:${slot}`;
    const started = Date.now();
    const child: Worker = cluster.fork({ [KIND_VARIABLE]: kind, BAZAAR_PROCESS_SLOT: String(slot), MALLOC_ARENA_MAX: arenas });
    log.info({ kind, slot, pid: child.process.pid }, 'process started');
    child.on('exit', (code, signal) => {
      if (stopping) return;
      const stable = Date.now() - started >= STABLE_MS;
      const count = stable ? 1 : (crashes.get(key) ?? 0) + 1;
      crashes.set(key, count);
      const delay = stable ? 0 : restartDelay(count);
      log.error({ kind, slot, pid: child.process.pid, code, signal, restartInMs: delay }, 'process exited; starting it again');
      setTimeout(() => {
        if (!stopping) spawn(kind, slot);
      }, delay).unref();
    });
  };
  for (let slot = 0; slot < options.apiProcesses; slot++) spawn('api', slot);
  if (options.background) spawn('worker', 0);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping every process');
      const children = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      for (const child of children) child.process.kill('SIGTERM');
      const force = setTimeout(() => {
        for (const child of children) if (!child.isDead()) child.process.kill('SIGKILL');
      }, grace);
      force.unref();
      const check = setInterval(() => {
        if (children.every((c) => c.isDead())) {
          clearInterval(check);
          clearTimeout(force);
          resolve();
        }
      }, 50);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
