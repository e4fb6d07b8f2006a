import { ROLLUP_SIZES, type RollupSize } from '@parley/db';
import { AppError } from '../errors.js';

// Local buckets of an IANA time zone, as UTC instants, and their decomposition into rollup blocks.
// A zone's offset is piecewise constant; between transitions, local days and hours start where
// (t + offset) is a multiple of the bucket length, and a transition starts a bucket when the local day
// (or hour) changes across it. So a DST day has 23 or 25 hours, a repeated hour is two buckets, and
// zones 30 or 45 minutes off UTC fall on the rollups' 15-minute grid.

const QUARTER_MS = 900_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's canonical name, or a 400 naming the parameter. */
export function resolveTimeZone(zone: string, path = 'query.timezone'): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw AppError.invalid(path, 'Unknown IANA time zone', `Unknown time zone "${zone}"; use an IANA name such as Europe/Berlin`);
  }
}

const offsets = new Map<string, number>();

/** The zone's offset from UTC at `t` (ms since the epoch), in ms. Memoised: Intl takes microseconds a call. */
export function offsetAt(zone: string, t: number): number {
  const key = `${zone}@${t}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  if (offsets.size > 100_000) offsets.clear();
  const offset = computeOffset(zone, t);
  offsets.set(key, offset);
  return offset;
}

function computeOffset(zone: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return local - Math.floor(t / 1000) * 1000;
}

interface Segment {
  from: number;
  to: number;
  offset: number;
}

/** Spans of constant offset covering [from, to); transitions found to the minute by bisection. */
function segments(zone: string, from: number, to: number): Segment[] {
  const out: Segment[] = [];
  const STEP = DAY_MS;
  let start = from;
  let offset = offsetAt(zone, from);
  for (let a = from; a < to; ) {
    const b = Math.min(a + STEP, to);
    const ob = offsetAt(zone, b);
    if (ob !== offset) {
      // The first minute in (a, b] with the new offset.
      let lo = Math.floor(a / 60_000);
      let hi = Math.ceil(b / 60_000);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(zone, mid * 60_000) === offset) lo = mid;
        else hi = mid;
      }
      const at = hi * 60_000;
      out.push({ from: start, to: at, offset });
      start = at;
      offset = offsetAt(zone, at);
      a = at;
      continue;
    }
    a = b;
  }
  out.push({ from: start, to, offset });
  return out;
}

const floorDiv = (a: number, b: number) => Math.floor(a / b);

/** Every bucket start in [from, to) for a bucket length of `interval` seconds (86400 or 3600), with the offset there. */
function boundaries(zone: string, interval: 86400 | 3600, from: number, to: number): Array<{ t: number; offset: number }> {
  const len = interval * 1000;
  const key = (t: number, offset: number) => floorDiv(t + offset, len);
  const out: Array<{ t: number; offset: number }> = [];
  let previous: Segment | undefined;
  for (const seg of segments(zone, from, to)) {
    if (previous && key(seg.from, seg.offset) !== key(seg.from - 1, previous.offset)) out.push({ t: seg.from, offset: seg.offset });
    // The first t >= seg.from with (t + offset) % len == 0.
    let t = Math.ceil((seg.from + seg.offset) / len) * len - seg.offset;
    for (; t < seg.to; t += len) if (t !== out[out.length - 1]?.t) out.push({ t, offset: seg.offset });
    previous = seg;
  }
  return out;
}

export interface LocalBucket {
  start: Date;
  end: Date;
  /** Start and end as local ISO-8601 with their offsets, e.g. 2025-01-05T00:00:00+01:00. */
  startLocal: string;
  endLocal: string;
}

/**
 * The local buckets (days or hours of `zone`) from the one holding `from` to the one holding `to`,
 * both inclusive. Throws a 400 if a boundary is off the 15-minute grid (offsets before 1970 in some zones).
 */
export function localBuckets(zone: string, interval: 86400 | 3600, from: Date, to: Date, maxBuckets: number): LocalBucket[] {
  const margin = 2 * DAY_MS;
  const span = to.getTime() - from.getTime();
  if (span / (interval * 1000) > maxBuckets + 2) throw tooLong(interval, maxBuckets);
  const starts = boundaries(zone, interval, from.getTime() - margin, to.getTime() + margin);
  let first = 0;
  while (first + 1 < starts.length && starts[first + 1]!.t <= from.getTime()) first++;
  let last = first;
  while (last + 1 < starts.length && starts[last + 1]!.t <= to.getTime()) last++;
  if (last + 1 >= starts.length) throw new Error('bucket boundaries ran out');
  if (last - first + 1 > maxBuckets) throw tooLong(interval, maxBuckets);
  const buckets: LocalBucket[] = [];
  for (let i = first; i <= last; i++) {
    const [start, end] = [starts[i]!, starts[i + 1]!];
    if (start.t % QUARTER_MS !== 0 || end.t % QUARTER_MS !== 0) {
      throw AppError.invalid('query.from', 'Period outside the supported range of the time zone', `The time zone ${zone} has an offset that is not a multiple of 15 minutes at ${new Date(start.t).toISOString()}; statistics start in 1970`);
    }
    buckets.push({ start: new Date(start.t), end: new Date(end.t), startLocal: withOffset(start.t, start.offset), endLocal: withOffset(end.t, end.offset) });
  }
  return buckets;
}

function tooLong(interval: number, max: number) {
  return AppError.invalid('query.to', `At most ${max} buckets`, `The period spans more than ${max} ${interval === 86400 ? 'days' : 'hours'}; shorten it or use a longer interval`);
}

/** `t` as ISO-8601 in the zone's local time with its offset, e.g. 2025-01-05T00:00:00+01:00. */
export function formatLocal(zone: string, t: Date): string {
  return withOffset(t.getTime(), offsetAt(zone, t.getTime()));
}

function withOffset(t: number, offset: number): string {
  const local = new Date(t + offset).toISOString().slice(0, 19);
  const abs = Math.abs(offset) / 60_000;
  const sign = offset < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** A block of time one rollup row covers: its size (a rollup size, in seconds) and its start. */
export interface Block {
  size: RollupSize;
  start: number;
}

export interface SignedBlock extends Block {
  sign: 1 | -1;
}

/**
 * [start, end) as blocks to add and subtract (counts and distributions subtract exactly): each end
 * moves to the nearer UTC day boundary, the overhang is taken back or the shortfall added. A local day
 * of a zone an hour off UTC is one day plus one hour minus one hour instead of 24 hours.
 */
export function cover(start: number, end: number): SignedBlock[] {
  const plus = (a: number, b: number) => decompose(a, b).map((block) => ({ ...block, sign: 1 as const }));
  const minus = (a: number, b: number) => decompose(a, b).map((block) => ({ ...block, sign: -1 as const }));
  const down = Math.floor(start / DAY_MS) * DAY_MS;
  const up = Math.ceil(start / DAY_MS) * DAY_MS;
  const endDown = Math.floor(end / DAY_MS) * DAY_MS;
  const endUp = Math.ceil(end / DAY_MS) * DAY_MS;
  if (endUp - down <= DAY_MS) return plus(start, end);
  // The shorter way at each end, counted before any block is made (reports cover hundreds of buckets).
  const headDown = blockCount(down, start) < blockCount(start, up);
  const tailDown = blockCount(endDown, end) <= blockCount(end, endUp);
  const a = headDown ? down : up;
  const b = tailDown ? endDown : endUp;
  if (b <= a) return plus(start, end);
  return [
    ...(headDown ? minus(down, start) : plus(start, up)),
    ...plus(a, b),
    ...(tailDown ? plus(endDown, end) : minus(end, endUp)),
  ];
}

/** The longest block that starts at `t` (aligned to its own length) and ends by `end`. */
function fit(t: number, end: number): RollupSize {
  for (let i = ROLLUP_SIZES.length - 1; i >= 0; i--) {
    const size = ROLLUP_SIZES[i]!;
    if (t % (size * 1000) === 0 && t + size * 1000 <= end) return size;
  }
  throw new Error('decompose needs 15-minute boundaries');
}

/** How many blocks `decompose(start, end)` gives. */
function blockCount(start: number, end: number): number {
  let n = 0;
  for (let t = start; t < end; n++) t += fit(t, end) * 1000;
  return n;
}

/** [start, end) (on the 15-minute grid) as the fewest epoch-aligned rollup blocks, greedily. */
export function decompose(start: number, end: number): Block[] {
  if (start % QUARTER_MS !== 0 || end % QUARTER_MS !== 0) throw new Error('decompose needs 15-minute boundaries');
  const out: Block[] = [];
  for (let t = start; t < end; ) {
    const size = fit(t, end);
    out.push({ size, start: t });
    t += size * 1000;
  }
  return out;
}
