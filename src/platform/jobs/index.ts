import { sql, type Generated, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import { newId } from '../ids.js';
import { createPoller } from '../poller.js';

/** Table `job`: background work with progress, claimed by any process (SKIP LOCKED + lease). */
export interface JobTable {
  id: string;
  kind: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  input: unknown;
  total: number | null;
  processed: Generated<number>;
  failed: Generated<number>;
  /** Per-item problems, capped at MAX_ERRORS: `[{ row, message }]`. */
  errors: Generated<unknown>;
  result: unknown;
  createdBy: string | null;
  createdAt: Generated<Date>;
  startedAt: Date | null;
  finishedAt: Date | null;
  lockedUntil: Date | null;
  attempts: Generated<number>;
  /** Not claimed before this time (retries with backoff, scheduled work). */
  runAt: Generated<Date>;
}

declare module '../db/schema.js' {
  interface Database {
    job: JobTable;
  }
}

export const jobMigrations = {
  '202611271050_platform_jobs': [
    `create table job (
       id text primary key,
       kind text not null,
       status text not null check (status in ('queued', 'running', 'succeeded', 'failed')),
       input jsonb not null default '{}'::jsonb,
       total integer,
       processed integer not null default 0,
       failed integer not null default 0,
       errors jsonb not null default '[]'::jsonb,
       result jsonb,
       created_by text,
       created_at timestamptz not null default now(),
       started_at timestamptz,
       finished_at timestamptz,
       locked_until timestamptz,
       attempts integer not null default 0
     )`,
    `create index job_ready_idx on job (id) where status in ('queued', 'running')`,
  ],
  '202611281000_platform_jobs_run_at': [
    `alter table job add column run_at timestamptz not null default now()`,
    `drop index job_ready_idx`,
    `create index job_ready_idx on job (run_at, id) where status in ('queued', 'running')`,
  ],
} as const;

export const MAX_ERRORS = 1000;

export interface JobProblem {
  row: number;
  message: string;
}

/** What a running job reports through. */
export interface JobContext {
  id: string;
  input: unknown;
  setTotal(total: number): Promise<void>;
  /** Adds to the processed/failed counters and appends problems (kept up to MAX_ERRORS). */
  progress(delta: { processed?: number; failed?: number; errors?: JobProblem[] }): Promise<void>;
}

export type JobHandler = (ctx: JobContext) => Promise<unknown>;

export interface JobView {
  id: string;
  kind: string;
  status: string;
  total: number | null;
  processed: number;
  failed: number;
  errors: JobProblem[];
  result: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * A durable job queue in the database. `enqueue` inside the caller's transaction; workers in
 * any process claim with `FOR UPDATE SKIP LOCKED` and a lease that they renew while running,
 * so a crashed worker's job is picked up again. Handlers must be safe to re-run (imports are
 * upserts).
 */
export function createJobQueue(db: Kysely<Database>, log: Logger, options: { pollMs?: number; leaseSeconds?: number; concurrency?: number } = {}) {
  const handlers = new Map<string, JobHandler>();
  const pollMs = options.pollMs ?? 1000;
  const leaseSeconds = options.leaseSeconds ?? 60;
  const concurrency = options.concurrency ?? 4;

  async function claim() {
    const { rows } = await sql<{ id: string; kind: string; input: unknown }>`
      update job set status = 'running', attempts = attempts + 1,
        started_at = coalesce(started_at, now()), locked_until = now() + make_interval(secs => ${leaseSeconds})
      where id = (
        select id from job
        where (status = 'queued' or (status = 'running' and locked_until < now())) and run_at <= now()
          and kind = any(${[...handlers.keys()]}::text[])
        order by run_at, id limit 1 for update skip locked)
      returning id, kind, input`.execute(db);
    return rows[0];
  }

  async function runJob(job: { id: string; kind: string; input: unknown }): Promise<void> {
    const handler = handlers.get(job.kind)!;
    const ctx: JobContext = {
      id: job.id,
      input: job.input,
      async setTotal(total) {
        await db.updateTable('job').set({ total }).where('id', '=', job.id).execute();
      },
      async progress({ processed = 0, failed = 0, errors = [] }) {
        await sql`update job set processed = processed + ${processed}, failed = failed + ${failed},
            errors = case when jsonb_array_length(errors) >= ${MAX_ERRORS} then errors
                          else errors || ${JSON.stringify(errors.slice(0, MAX_ERRORS))}::jsonb end,
            locked_until = now() + make_interval(secs => ${leaseSeconds})
          where id = ${job.id}`.execute(db);
      },
    };
    try {
      const result = await handler(ctx);
      await db
        .updateTable('job')
        .set({ status: 'succeeded', result: JSON.stringify(result ?? null), finishedAt: new Date(), lockedUntil: null })
        .where('id', '=', job.id)
        .execute();
    } catch (err) {
      log.error({ err, jobId: job.id, kind: job.kind }, 'job failed');
      const message = err instanceof Error ? err.message : String(err);
      await sql`update job set status = 'failed', finished_at = now(), locked_until = null,
          errors = errors || ${JSON.stringify([{ row: 0, message: message.slice(0, 500) }])}::jsonb
        where id = ${job.id}`.execute(db);
    }
  }

  /** Runs at most one ready job; true when one ran. */
  async function runOnce(): Promise<boolean> {
    if (handlers.size === 0) return false;
    const job = await claim();
    if (!job) return false;
    await runJob(job);
    return true;
  }

  // Several loops, so one slow job (an import, a webhook call) does not hold up the others.
  const pollers = Array.from({ length: concurrency }, () => createPoller(runOnce, { pollMs, log, what: 'job poll' }));

  return {
    /** Registers the handler for a kind of job. */
    register(kind: string, handler: JobHandler): void {
      handlers.set(kind, handler);
    },
    /**
     * Queues a job (pass a transaction to queue it atomically with other writes). `runAt` delays
     * it: no process claims it before then (retries with backoff).
     */
    async enqueue(executor: Kysely<Database>, kind: string, input: unknown, createdBy: string | null = null, options: { runAt?: Date } = {}): Promise<string> {
      const id = newId('job');
      await executor
        .insertInto('job')
        .values({
          id,
          kind,
          status: 'queued',
          input: JSON.stringify(input),
          total: null,
          result: null,
          createdBy,
          startedAt: null,
          finishedAt: null,
          lockedUntil: null,
          ...(options.runAt ? { runAt: options.runAt } : {}),
        })
        .execute();
      return id;
    },
    async get(id: string): Promise<JobView | undefined> {
      // Not the input: an import's input is the whole file.
      const row = await db
        .selectFrom('job')
        .select(['id', 'kind', 'status', 'total', 'processed', 'failed', 'errors', 'result', 'createdAt', 'startedAt', 'finishedAt'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        id: row.id,
        kind: row.kind,
        status: row.status,
        total: row.total,
        processed: row.processed,
        failed: row.failed,
        errors: row.errors as JobProblem[],
        result: row.result,
        createdAt: iso(row.createdAt)!,
        startedAt: iso(row.startedAt),
        finishedAt: iso(row.finishedAt),
      };
    },
    /** Starts the background loops (`concurrency` jobs at a time in this process). */
    start(): void {
      for (const p of pollers) p.start();
    },
    async stop(): Promise<void> {
      await Promise.all(pollers.map((p) => p.stop()));
    },
    /** Runs queued jobs until none is ready (tests, CLI). */
    drain: pollers[0]!.drain,
    runOnce,
  };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
