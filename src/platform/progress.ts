/**
 * A one-line progress bar on a terminal stream (stderr by default), redrawn at most 10 times a
 * second; on a non-terminal it prints a line every 10%.
 */
export function createProgressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let total = 0;
  let done = 0;
  let failed = 0;
  let lastDraw = 0;
  let lastDecile = -1;
  const started = Date.now();

  function line(): string {
    const pct = total > 0 ? Math.min(1, done / total) : 0;
    const width = 30;
    const filled = Math.round(pct * width);
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(pct * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}${failed ? ` · ${failed.toLocaleString('en-US')} failed` : ''} · ${Math.round(rate).toLocaleString('en-US')}/s`;
  }

  function draw(force = false): void {
    const now = Date.now();
    if (stream.isTTY) {
      if (!force && now - lastDraw < 100) return;
      lastDraw = now;
      stream.write(`\r${line()}\x1b[K`);
    } else {
      const decile = total > 0 ? Math.floor((done / total) * 10) : 0;
      if (force || decile > lastDecile) {
        lastDecile = decile;
        stream.write(`${line()}\n`);
      }
    }
  }

  return {
    setTotal(n: number): void {
      total = n;
      draw(true);
    },
    advance(n: number, failedDelta = 0): void {
      done += n;
      failed += failedDelta;
      draw();
    },
    finish(): void {
      draw(true);
      if (stream.isTTY) stream.write('\n');
    },
  };
}
