import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';

// The embedded database may be open in one process only: PGlite has no lock of its own, and a second
// process writing the same directory corrupts it. The lock is a file naming its holder, made with an
// exclusive create. A lock whose holder has died (a crash, a kill -9) is taken over, so it never
// blocks for good: the holder is alive when its pid exists and, where the system tells (Linux's /proc),
// that process started when the holder did (a pid reused by another process is not the holder).

/** Who has the database open, as its lock file says. */
export interface LockHolder {
  pid: number;
  /** The process's start time as /proc tells it, where it does. */
  started?: string;
  /** What runs, as a user would type it: `npm start`, `npm run stats -- backfill`. */
  command: string;
  since: string;
  /** The local server's port and the directory of its socket, once they are open. */
  port?: number;
  socket?: string;
}

export interface DatabaseLock {
  holder: LockHolder;
  /** Adds what other processes need to reach this one (the socket, the port). */
  update(fields: Partial<Pick<LockHolder, 'port' | 'socket'>>): void;
  release(): void;
}

export type LockAttempt = { acquired: true; lock: DatabaseLock } | { acquired: false; holder: LockHolder };

export function acquireDatabaseLock(file: string, command: string): LockAttempt {
  const mine: LockHolder = { pid: process.pid, started: processStart(process.pid), command, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(mine), { flag: 'wx', mode: 0o600 });
      return { acquired: true, lock: heldLock(file, mine) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const found = readLock(file);
    if (found === undefined) continue; // released meanwhile
    if (found.holder && isAlive(found.holder)) return { acquired: false, holder: found.holder };
    // An empty or partial file may be one being written this very moment.
    if (!found.holder && Date.now() - found.mtimeMs < 2_000) {
      sleep(50);
      continue;
    }
    takeOver(file, found.raw);
  }
  throw new Error(`Could not take the lock ${file}`);
}

function heldLock(file: string, holder: LockHolder): DatabaseLock {
  let current = JSON.stringify(holder);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // Only our own lock: never one a later process took over.
    if (readLock(file)?.raw === current) rmSync(file, { force: true });
  };
  // process.exit() and an uncaught error skip the caller's cleanup; a kill -9 leaves a stale lock.
  process.on('exit', release);
  return {
    holder,
    update(fields) {
      Object.assign(holder, fields);
      current = JSON.stringify(holder);
      // Replaced whole, so a reader never sees a partial file.
      const next = `${file}.${process.pid}`;
      writeFileSync(next, current, { mode: 0o600 });
      renameSync(next, file);
    },
    release,
  };
}

function readLock(file: string): { raw: string; holder?: LockHolder; mtimeMs: number } | undefined {
  try {
    const raw = readFileSync(file, 'utf8');
    const mtimeMs = statSync(file).mtimeMs;
    try {
      const holder = JSON.parse(raw) as LockHolder;
      return { raw, holder: Number.isInteger(holder.pid) ? holder : undefined, mtimeMs };
    } catch {
      return { raw, mtimeMs };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Removes a stale lock. Renamed first, so of two processes breaking it at once only one moves it; a
 * file that turns out to be another's fresh lock is put back.
 */
function takeOver(file: string, staleRaw: string) {
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readFileSync(aside, 'utf8');
  if (moved !== staleRaw) {
    try {
      writeFileSync(file, moved, { flag: 'wx', mode: 0o600 });
    } catch {
      // Someone holds it again: theirs stands.
    }
  }
  rmSync(aside, { force: true });
}

function isAlive(holder: LockHolder): boolean {
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: it exists, under another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = processStart(holder.pid);
  return !(holder.started && started && started !== holder.started);
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), where /proc exists. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may hold spaces: count fields after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function sleep(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
