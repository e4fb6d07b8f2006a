import { createConnection } from 'node:net';
import { WebSocketServer } from 'ws';

/**
 * A WebSocket-to-TCP proxy in the shape the Neon driver expects (`/v1?address=host:port`), so the
 * Neon Pool can talk to a local Postgres. Local testing only.
 */
export async function startWsProxy(): Promise<{ address: string; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket, request) => {
    const target = new URL(request.url ?? '/', 'http://proxy').searchParams.get('address') ?? '';
    const [host, port] = target.split(':');
    if (!host || !port) return socket.close(1008, 'address=host:port required');
    const tcp = createConnection({ host, port: Number(port) });
    socket.on('message', (data) => tcp.write(data as Buffer));
    tcp.on('data', (data) => socket.send(data));
    socket.on('close', () => tcp.destroy());
    tcp.on('close', () => socket.close());
    tcp.on('error', () => socket.close());
    socket.on('error', () => tcp.destroy());
  });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
