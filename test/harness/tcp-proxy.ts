import { createConnection, createServer } from 'node:net';

export interface TcpProxy {
  /** `host:port` clients connect to. */
  readonly address: string;
  /** Ends every open connection under its client, as a crashed server would, and refuses new ones until restored. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a server (Postgres here) that a test can cut: every connection through it
 * drops at once, mid-query or idle, and new ones are refused until it is restored.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  /** How to drop each open connection. */
  const open = new Set<() => void>();
  const server = createServer((client) => {
    const upstream = createConnection(target);
    const drop = () => {
      open.delete(drop);
      // Ended, not reset, as when the server process dies: the driver reads `Connection terminated unexpectedly`.
      client.end();
      setTimeout(() => client.destroy(), 1000).unref();
      upstream.destroy();
    };
    open.add(drop);
    client.on('data', (data) => upstream.write(data));
    upstream.on('data', (data) => client.write(data));
    for (const socket of [client, upstream]) {
      socket.on('end', drop);
      socket.on('close', drop);
      socket.on('error', drop);
    }
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const { port } = server.address() as { port: number };
  let listening = true;
  const cut = async () => {
    // Closed, the port refuses connections (ECONNREFUSED) as a stopped server's does.
    const closed = listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    listening = false;
    for (const drop of [...open]) drop();
    await closed;
  };
  return {
    address: `127.0.0.1:${port}`,
    cut,
    async restore() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    close: cut,
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: Pick<TcpProxy, 'address'>): string {
  const u = new URL(url);
  u.host = proxy.address;
  return u.toString();
}
