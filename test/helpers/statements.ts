import assert from 'node:assert/strict';
import pg from 'pg';

/**
 * Records the SQL text of every statement the `pg` driver sends while a step runs (PostgreSQL
 * only), and holds each step to a ceiling: the statement-count tests of the cart and the order
 * path. `install()` before the app is built, `restore()` after. PRINT_SQL=1 prints each step's
 * statements, to look for round trips to save.
 */
export function statementCeilings<Name extends string>(ceilings: Record<Name, number>) {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const statements: string[] = [];
  let counting = false;
  /** The most statements each step sent. */
  const seen: Partial<Record<Name, number>> = {};

  /** Runs `fn` and returns its value with the statements sent meanwhile. */
  async function counted<T>(fn: () => Promise<T>): Promise<{ value: T; sql: string[] }> {
    statements.length = 0;
    counting = true;
    try {
      const value = await fn();
      return { value, sql: [...statements] };
    } finally {
      counting = false;
    }
  }

  return {
    seen,
    counted,
    install(): void {
      proto.query = function (this: unknown, ...args: unknown[]) {
        if (counting) {
          const q = args[0];
          statements.push(typeof q === 'string' ? q : String((q as { text?: string } | null)?.text ?? q));
        }
        return original.apply(this, args);
      };
    },
    restore(): void {
      proto.query = original;
    },
    /** Runs one step, checks it stayed within its ceiling and returns its value. */
    async step<T>(name: Name, fn: () => Promise<T>): Promise<T> {
      const { value, sql } = await counted(fn);
      seen[name] = Math.max(seen[name] ?? 0, sql.length);
      if (process.env.PRINT_SQL) process.stderr.write(`-- ${name} (${sql.length})\n${sql.join('\n')}\n\n`);
      assert.ok(sql.length <= ceilings[name], `${name}: ${sql.length} statements, at most ${ceilings[name]} expected:\n${sql.join('\n')}`);
      return value;
    },
  };
}
