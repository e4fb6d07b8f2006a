import { createServer } from 'node:net';

/** The local server's port is taken: says which, and how to choose another. */
export class PortBusyError extends Error {
  override name = 'PortBusyError';
}

/** Checks that `port` is free on `host` before anything else starts (port 0 picks a free one). */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new PortBusyError(`Port ${port} is already in use; choose another with PORT=${port === 65535 ? 3001 : port + 1} npm start`));
      else if (err.code === 'EACCES') reject(new PortBusyError(`Port ${port} needs privileges this user lacks; choose another with PORT=3000 npm start`));
      else reject(err);
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
