import type { Logger } from 'pino';

/**
 * Runs `step` in the background: again at once while it reports more work, otherwise after
 * `pollMs`. One step at a time; `stop()` waits for the running step. `drain()` runs steps in the
 * caller until there is no more work (tests, command-line tasks).
 */
export function createPoller(step: () => Promise<boolean>, options: { pollMs: number; log: Logger; what: string }) {
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function schedule(delay: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = step()
        .catch((err: unknown) => {
          options.log.warn({ err }, `${options.what} failed`);
          return false;
        })
        .then((more) => {
          running = undefined;
          schedule(more ? 0 : options.pollMs);
        });
    }, delay);
    timer.unref();
  }

  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    async drain(): Promise<void> {
      while (await step()) {
        // more work
      }
    },
  };
}
