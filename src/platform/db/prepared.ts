import { createHash } from 'node:crypto';

/**
 * Server-side prepared statements for the SQL a process sends over and over (PostgreSQL only).
 *
 * An unnamed statement is parsed and planned on every call; for the larger reads of the order
 * path (a cart with its lines, offers, stock and promotions in one statement) planning costs more
 * than running. A text seen a few times gets a name, and each connection prepares it once:
 * PostgreSQL then parses it once per connection and, after a few executions, keeps a generic
 * plan when it is no worse than a custom one.
 *
 * Limits: at most `MAX_NAMED` texts per process are named, so texts that vary (lists of
 * different lengths, generated filters) cannot grow the server's per-connection memory without
 * bound; statements without parameters (`begin`, `commit`, migrations) stay unnamed. A schema
 * change that alters a prepared statement's result columns (a column added under `select *` by a
 * migration running beside this process) fails that statement once with "cached plan must not
 * change result type": the text then gets a new name, and outside a transaction the call is
 * retried at once.
 */
const MAX_NAMED = 256;
/** How many times a text is sent unnamed before it is named. */
const NAME_AFTER = 3;
const MAX_COUNTED = 10_000;

type Query = (...args: unknown[]) => Promise<unknown> | void;

export function createStatementNames() {
  const names = new Map<string, string>();
  const counts = new Map<string, number>();
  let generation = 0;

  function nameFor(text: string): string | undefined {
    const known = names.get(text);
    if (known !== undefined) return known;
    if (names.size >= MAX_NAMED) return undefined;
    const count = (counts.get(text) ?? 0) + 1;
    if (count < NAME_AFTER) {
      if (counts.has(text) || counts.size < MAX_COUNTED) counts.set(text, count);
      return undefined;
    }
    counts.delete(text);
    const name = `bz_${createHash('sha1').update(text).digest('hex').slice(0, 20)}_${generation}`;
    names.set(text, name);
    return name;
  }

  /** A text whose prepared form went stale: its next use gets a name no connection has prepared. */
  function forget(text: string): void {
    names.delete(text);
    generation++;
  }

  return {
    /** Makes `client.query(text, values)` use a named statement for repeated texts. */
    install(pgClient: { query: unknown }): void {
      const client = pgClient as { query: Query };
      const original = client.query.bind(client) as Query;
      let inTransaction = false;
      client.query = (...args: unknown[]) => {
        const [text, values, callback] = args;
        if (typeof text !== 'string') return original(...args);
        const head = text.trimStart().slice(0, 8).toLowerCase();
        if (head.startsWith('begin') || head.startsWith('start')) inTransaction = true;
        else if (head.startsWith('commit') || head.startsWith('rollback')) inTransaction = false;
        if (!Array.isArray(values) || values.length === 0 || callback !== undefined) return original(...args);
        const name = nameFor(text);
        if (name === undefined) return original(text, values);
        return (original({ name, text, values }) as Promise<unknown>).catch((err: unknown) => {
          const e = err as { code?: string; message?: string };
          if (e.code !== '0A000' || !/cached plan must not change result type/.test(e.message ?? '')) throw err;
          forget(text);
          if (inTransaction) throw err;
          return client.query(text, values);
        });
      };
    },
  };
}
