import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One line of the cluster's JSON log. */
export interface LogLine {
  msg?: string;
  pid?: number;
  kind?: string;
  slot?: number;
  [key: string]: unknown;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A new empty database on the PostgreSQL server of `TEST_DATABASE_URL`, dropped by `drop()`. */
export async function scratchDatabase(prefix: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const admin = new URL(process.env.TEST_DATABASE_URL!);
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => run(`drop database if exists ${name} with (force)`) };
}

export interface RunningCluster {
  base: string;
  port: number;
  child: ChildProcess;
  logs: LogLine[];
  /** Current process id of each `api` slot and of the worker. */
  pids(): { api: number[]; worker: number | null };
  /** Resolves when `test` holds for a log line (already seen or to come). */
  waitForLog(test: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
  stop(): Promise<number | null>;
}

/**
 * `npm start -- --workers N` as a real child process (through tsx), on a PostgreSQL database,
 * resolved once every API process serves and the worker runs.
 */
export async function startCluster(options: { databaseUrl: string; apiProcesses: number; env?: Record<string, string>; timeoutMs?: number }): Promise<RunningCluster> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATABASE_URL: options.databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    BAZAAR_DEMO: '0',
    BAZAAR_ADMIN_EMAIL: 'owner@example.com',
    BAZAAR_ADMIN_PASSWORD: 'ownerpass123',
    PAYMENT_PROVIDERS: 'sandbox',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--workers', String(options.apiProcesses)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const waiters: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  const api = new Map<number, number>();
  let worker: number | null = null;
  let buffered = '';
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.startsWith('{')) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
      }
      logs.push(line);
      if (line.msg === 'process started' && typeof line.pid === 'number') {
        if (line.kind === 'api') api.set(Number(line.slot), line.pid);
        if (line.kind === 'worker') worker = line.pid;
      }
      for (const w of [...waiters]) {
        if (w.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLog = (test: (l: LogLine) => boolean, timeoutMs: number) =>
    new Promise<LogLine>((resolve, reject) => {
      const seen = logs.find(test);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`log line not seen in ${timeoutMs} ms; stderr: ${stderr.join('').slice(-2000)}`)), timeoutMs);
      waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });

  const cluster: RunningCluster = {
    base,
    port,
    child,
    logs,
    pids: () => ({ api: [...api.values()], worker }),
    waitForLog,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  const timeout = options.timeoutMs ?? 120_000;
  try {
    await waitForReady(cluster, options.apiProcesses, timeout);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Every API process serves (one answer from each pid seen in the log) and the worker runs. */
export async function waitForReady(cluster: RunningCluster, apiProcesses: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const serving = () => new Set(cluster.logs.filter((l) => l.msg === 'Bazaar is serving').map((l) => l.pid)).size;
  for (;;) {
    const { api, worker } = cluster.pids();
    const pids = new Set(cluster.logs.filter((l) => l.msg === 'Bazaar is serving' || l.msg === 'Bazaar worker is running').map((l) => l.pid));
    if (serving() >= apiProcesses && api.every((p) => pids.has(p)) && worker !== null && pids.has(worker)) {
      const res = await fetch(`${cluster.base}/readyz`).catch(() => null);
      if (res?.status === 200) return;
    }
    if (cluster.child.exitCode !== null) throw new Error(`the cluster exited with ${cluster.child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`the cluster was not ready in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A JSON call to a running service with a 15 s limit: status and body (parsed when JSON); throws on a network error. */
export async function jsonCall(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text };
}
