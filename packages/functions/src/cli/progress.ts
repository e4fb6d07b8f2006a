// Progress of long work on a terminal: the phase, rows done (of how many) and the rate. On a terminal
// one line is rewritten in place; into a file or a pipe, plain lines, at most one a second per phase.

export interface ProgressRows {
  done: number;
  total?: number;
  /** What is counted: `chats`, `spans`. */
  unit?: string;
}

export interface Progress {
  update(phase: string, rows?: ProgressRows): void;
  /** A line that stays; the progress line goes on below it. */
  log(line: string): void;
  /** Leaves the last progress line as it is and ends it. */
  end(): void;
}

const number = (n: number) => Math.round(n).toLocaleString('en-US');

export function progressPrinter(out: NodeJS.WriteStream = process.stdout): Progress {
  const tty = Boolean(out.isTTY);
  const started = performance.now();
  let phase: string | undefined;
  // Rates count from a unit's first report.
  const unitStarts = new Map<string, { at: number; done: number }>();
  let shown = ''; // the progress line on screen (TTY only)
  let lastWrite = 0;

  const format = (rows: ProgressRows | undefined, now: number) => {
    const parts = [phase!];
    if (rows) {
      const unit = rows.unit ?? 'rows';
      const from = unitStarts.get(unit)!;
      const seconds = (now - from.at) / 1000;
      parts.push(`${number(rows.done)}${rows.total !== undefined ? ` / ${number(rows.total)}` : ''} ${unit}`);
      if (rows.total) parts.push(`${Math.floor((100 * rows.done) / rows.total)}%`);
      if (seconds >= 0.5) parts.push(`${number((rows.done - from.done) / seconds)} ${unit}/s`);
    }
    parts.push(`${((now - started) / 1000).toFixed(1)} s`);
    return parts.join('  ');
  };

  const clear = () => {
    if (tty && shown) out.write('\r\x1b[2K');
  };

  return {
    update(next, rows) {
      const now = performance.now();
      const newPhase = next !== phase;
      phase = next;
      if (rows && !unitStarts.has(rows.unit ?? 'rows')) unitStarts.set(rows.unit ?? 'rows', { at: now, done: rows.done });
      const finished = rows?.total !== undefined && rows.done >= rows.total;
      if (tty) {
        if (!newPhase && !finished && now - lastWrite < 100) return;
        clear();
        shown = format(rows, now);
        out.write(shown);
      } else {
        if (!newPhase && !finished && now - lastWrite < 1000) return;
        out.write(`${format(rows, now)}\n`);
      }
      lastWrite = now;
    },
    log(line) {
      clear();
      out.write(`${line}\n`);
      if (tty && shown) out.write(shown);
    },
    end() {
      if (tty && shown) out.write('\n');
      shown = '';
    },
  };
}
