import type pg from 'pg';

/** Stops listening and closes what the listener opened. */
export type Unlisten = () => Promise<void>;

/**
 * LISTEN on a connection of its own, outside the pool (a pooled client would be lost to the pool
 * for good, and a LISTEN does not survive the client going back). The connection is reopened with
 * backoff after any error; `onResync` then runs, because notifications sent meanwhile are gone.
 */
export async function listenOnDedicatedClient(
  newClient: () => pg.Client,
  channel: string,
  onPayload: (payload: string) => void,
  onResync: () => void,
): Promise<Unlisten> {
  let closed = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;

  async function open(): Promise<void> {
    const c = newClient();
    c.on('error', () => reopen(c));
    c.on('end', () => reopen(c));
    c.on('notification', (n) => {
      if (n.channel === channel && n.payload !== undefined) onPayload(n.payload);
    });
    try {
      await c.connect();
      await c.query(`listen "${channel.replaceAll('"', '""')}"`);
    } catch {
      reopen(c);
      return;
    }
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    if (attempt > 0) onResync();
    attempt = 0;
  }

  function reopen(c: pg.Client): void {
    if (closed) return;
    if (client !== null && client !== c) return;
    client = null;
    c.removeAllListeners('notification');
    c.end().catch(() => undefined);
    if (timer) return;
    attempt++;
    timer = setTimeout(
      () => {
        timer = undefined;
        void open();
      },
      Math.min(100 * 2 ** Math.min(attempt - 1, 7), 10_000),
    );
    timer.unref();
  }

  await open();
  return async () => {
    closed = true;
    if (timer) clearTimeout(timer);
    const c = client;
    client = null;
    if (c) await c.end().catch(() => undefined);
  };
}
