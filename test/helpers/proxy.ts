import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a dependency (PostgreSQL, Redis, NATS) that a test can cut and restore
 * while the service keeps running.
 */
export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1), the same for its whole life. */
  port: number;
  /** `url` with its host and port replaced by the proxy's (credentials, path and query kept). */
  url(url: string): string;
  /** Connections currently piped through. */
  connections(): number;
  /** Connections accepted since the start (refused ones included). */
  accepted(): number;
  /**
   * The dependency goes away: every piped connection is closed, as a restarting server closes
   * them, and new connections are reset as soon as they are accepted (as a closed port answers).
   */
  cut(): void;
  /** The dependency is back: new connections are piped again. */
  restore(): void;
  /** Closes the listener and every connection. Safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Starts a proxy to `target` (a URL such as `postgres://…@host:5432/db`; only host and port are
 * used). The listener stays open through cuts, so the port is never lost to another process and
 * clients configured with it keep it across an outage.
 */
export async function startProxy(target: string): Promise<TcpProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const defaultPort = { 'postgres:': 5432, 'postgresql:': 5432, 'redis:': 6379, 'nats:': 4222 }[new URL(target).protocol] ?? 0;
  const host = hostname.replace(/^\[|\]$/g, '');
  const port = Number(targetPort || defaultPort);
  const sockets = new Set<Socket>();
  const piped = new Set<Socket>();
  let up = true;
  let accepted = 0;

  const server: Server = createServer((inbound) => {
    accepted++;
    inbound.on('error', () => undefined);
    if (!up) {
      inbound.resetAndDestroy();
      return;
    }
    const outbound = connect({ host, port });
    outbound.on('error', () => undefined);
    piped.add(inbound);
    inbound.once('close', () => piped.delete(inbound));
    // Either side closing closes the other: a half-dead pair would leave the client waiting.
    const pair = [inbound, outbound];
    for (const s of pair) {
      sockets.add(s);
      s.once('close', () => {
        sockets.delete(s);
        for (const other of pair) other.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const listening = (server.address() as { port: number }).port;

  const dropAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  let closing: Promise<void> | null = null;

  return {
    port: listening,
    url(url: string): string {
      const out = new URL(url);
      out.hostname = '127.0.0.1';
      out.port = String(listening);
      return out.toString();
    },
    connections: () => piped.size,
    accepted: () => accepted,
    cut(): void {
      up = false;
      dropAll();
    },
    restore(): void {
      up = true;
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        up = false;
        server.close(() => resolve());
        dropAll();
        // Connections accepted at this very moment are dropped too; close() waits for them.
        setTimeout(dropAll, 10).unref();
      });
      return closing;
    },
  };
}
