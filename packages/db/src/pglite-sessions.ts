import type { PGlite } from '@electric-sql/pglite';
import type { DatabaseConnection, Dialect, Driver } from 'kysely';

// The embedded database is one Postgres session. The process's own queries (through Kysely) and the
// clients of its local socket take turns on it. A turn lasts a whole Kysely connection checkout (a
// transaction included) in the process, and on the socket from a client's first message until that
// client is outside both a transaction and an extended-protocol cycle. Without turns, a client's
// statements would run inside a transaction of the process (or the other way round), and the process's
// queries between a client's Parse and Execute would replace its unnamed statement.

/** A first-come, first-served lock on the embedded database's one session. */
export class SessionGate {
  #held = false;
  #waiting: Array<() => void> = [];

  async acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

/** `inner` with each connection checkout holding the gate: the PGlite dialect, taking turns with the socket. */
export function gatedDialect(inner: Dialect, gate: SessionGate): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createDriver(): Driver {
      const driver = inner.createDriver();
      return {
        init: () => driver.init(),
        async acquireConnection() {
          await gate.acquire();
          try {
            return await driver.acquireConnection();
          } catch (err) {
            gate.release();
            throw err;
          }
        },
        beginTransaction: (conn, settings) => driver.beginTransaction(conn, settings),
        commitTransaction: (conn) => driver.commitTransaction(conn),
        rollbackTransaction: (conn) => driver.rollbackTransaction(conn),
        async releaseConnection(conn: DatabaseConnection) {
          try {
            await driver.releaseConnection(conn);
          } finally {
            gate.release();
          }
        },
        destroy: () => driver.destroy(),
      };
    },
  };
}

// Messages after which a client's cycle is complete: Sync, a simple Query, Terminate, and the startup
// message (which has no type byte; its second word is the protocol version 3.0).
const SYNC = 0x53;
const QUERY = 0x51;
const TERMINATE = 0x58;
const PROTOCOL_3 = 196608;
function endsCycle(message: Uint8Array): boolean {
  const type = message[0];
  if (type === SYNC || type === QUERY || type === TERMINATE) return true;
  return message.length >= 8 && new DataView(message.buffer, message.byteOffset, message.byteLength).getInt32(4) === PROTOCOL_3;
}

export interface SocketServer {
  close(): Promise<void>;
}

/**
 * Serves `pglite` over the Postgres wire protocol on the unix socket `path` (a file that must not
 * exist), taking turns with the process through `gate`. The socket package's connection handler reads
 * the protocol; the turns are kept here, in the queue it hands each message to, which knows which
 * connection sends it. A client that goes away during its turn has its cycle ended and its transaction
 * rolled back, and the turn passes on.
 */
export async function servePgliteSocket(pglite: PGlite, gate: SessionGate, path: string): Promise<SocketServer> {
  const { PGLiteSocketHandler } = await import('@electric-sql/pglite-socket');
  const { createServer } = await import('node:net');
  let owner: number | undefined; // the connection whose turn it is
  let running = false; // one of its messages is executing
  let cycleOpen = false;
  const gone = new Set<number>();

  const endTurn = async () => {
    owner = undefined;
    try {
      // Left mid-cycle or mid-transaction: end both, as its Sync and ROLLBACK would have.
      if (cycleOpen) await pglite.execProtocolRaw(new Uint8Array([SYNC, 0, 0, 0, 4]));
      cycleOpen = false;
      if (pglite.isInTransaction()) await pglite.exec('rollback');
    } finally {
      gate.release();
    }
  };

  // The handler's queue interface: it awaits each message before sending the next.
  const queue = {
    async enqueue(id: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
      if (owner !== id) {
        await gate.acquire();
        owner = id;
        if (gone.has(id)) {
          await endTurn();
          throw new Error('Handler disconnected');
        }
      }
      let size = 0;
      running = true;
      try {
        await pglite.runExclusive(() =>
          pglite.execProtocolRawStream(message, {
            onRawData: (data) => {
              size += data.length;
              onData(data);
            },
          }),
        );
        return size;
      } finally {
        running = false;
        cycleOpen = !endsCycle(message);
        if (gone.has(id) || (!cycleOpen && !pglite.isInTransaction())) await endTurn();
      }
    },
    clearQueueForHandler(id: number) {
      gone.add(id);
    },
    async clearTransactionIfNeeded(id: number) {
      gone.add(id);
      if (owner === id && !running) await endTurn();
    },
  };

  const handlers = new Set<InstanceType<typeof PGLiteSocketHandler>>();
  const server = createServer((socket) => {
    const handler = new PGLiteSocketHandler({ queryQueue: queue as never, closeOnDetach: true });
    handlers.add(handler);
    handler.addEventListener('close', () => handlers.delete(handler));
    handler.addEventListener('error', () => handlers.delete(handler));
    handler.attach(socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...handlers].map((h) => h.detach(true)));
      await closed;
    },
  };
}
