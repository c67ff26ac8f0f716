import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type Engine = 'pglite' | 'postgres';

export interface Server {
  url: string;
  pid: number;
  /** The PostgreSQL database it uses (absent on PGlite). */
  databaseUrl?: string;
  stop(): Promise<void>;
  /** Current and peak resident memory of the server process, in MB. */
  memory(): { rssMb: number; peakMb: number };
  /** The server process and every process it started (a cluster's API processes and worker), with their memory. */
  processes(): ProcessMemory[];
}

export interface ProcessMemory {
  pid: number;
  /** `primary`, or a cluster child's kind (`api`, `worker`, `prepare`); `server` for a single process. */
  role: string;
  rssMb: number;
  peakMb: number;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function roleOf(pid: number): string | null {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return environ.find((v) => v.startsWith('BAZAAR_PROCESS_KIND='))?.split('=')[1] ?? null;
  } catch {
    return null;
  }
}

/** A process and its descendants with their current and peak RSS; processes that just exited are left out. */
export function processTree(root: number): ProcessMemory[] {
  const out: ProcessMemory[] = [];
  const visit = (pid: number, depth: number) => {
    try {
      out.push({ pid, role: roleOf(pid) ?? (depth === 0 ? 'server' : 'child'), rssMb: readStatus(pid, 'VmRSS'), peakMb: readStatus(pid, 'VmHWM') });
    } catch {
      return;
    }
    for (const child of childrenOf(pid)) visit(child, depth + 1);
  };
  visit(root, 0);
  if (out.length > 1 && out[0]!.role === 'server') out[0]!.role = 'primary';
  return out;
}

function readStatus(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

/**
 * Starts the built service (`dist/main.js`) as its own process on a fresh database, so the
 * load generator (this process) and the server do not share a CPU queue or heap.
 */
export async function startServer(engine: Engine, port: number, env: Record<string, string> = {}, args: string[] = []): Promise<Server> {
  let dataDir: string | undefined;
  let dbName: string | undefined;
  const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const serverEnv: Record<string, string> = { ...process.env, PORT: String(port), HOST: '127.0.0.1', BAZAAR_DEMO: '0', LOG_LEVEL: 'warn', ...env } as Record<string, string>;
  // A DATABASE_URL in `env` shares that database (a second process of the same shop): not created, not dropped.
  if (engine === 'postgres' && env.DATABASE_URL) serverEnv.DATABASE_URL = env.DATABASE_URL;
  else if (engine === 'postgres') {
    dbName = `bazaar_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${dbName}`;
    serverEnv.DATABASE_URL = url.toString();
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'bazaar-bench-'));
    serverEnv.BAZAAR_DATA_DIR = dataDir;
    delete serverEnv.DATABASE_URL;
  }
  // Node flags as `npm start` passes them, then BENCH_SERVER_NODE_ARGS (say "--cpu-prof
  // --cpu-prof-dir=/tmp/prof" to profile the server under load).
  const startScript = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
  const nodeArgs = [...startScript.split(' ').filter((t) => t.startsWith('--')), ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, 'dist/main.js', ...args], { env: serverEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('server did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid!,
    databaseUrl: serverEnv.DATABASE_URL,
    memory: () => ({ rssMb: readStatus(child.pid!, 'VmRSS'), peakMb: readStatus(child.pid!, 'VmHWM') }),
    processes: () => processTree(child.pid!),
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (dbName && !process.env.BENCH_KEEP_DB) {
        const admin = new pg.Client({ connectionString: base });
        await admin.connect();
        await admin.query(`drop database if exists ${dbName} with (force)`);
        await admin.end();
      }
    },
  };
}

/** JSON POST helper for setting up benchmark data. */
export async function postJson(url: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url} → ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * A flash sale of `units` units of `sku` at 1.00, one per customer, live for an hour: created
 * through the admin API and returned once the store lists it live.
 */
export async function createLiveSale(base: string, token: string, sku: string, units: number): Promise<string> {
  const sale = await postJson(
    `${base}/admin/flash-sales`,
    { sku, price: 100, quantity: units, startsAt: new Date(Date.now() - 1000).toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(), perCustomerLimit: 1 },
    token,
  );
  for (let i = 0; i < 100; i++) {
    const list = (await (await fetch(`${base}/store/flash-sales`)).json()) as { items: { id: string; status: string }[] };
    if (list.items.some((x) => x.id === sale.id && x.status === 'live')) return sale.id as string;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the flash sale did not start');
}
