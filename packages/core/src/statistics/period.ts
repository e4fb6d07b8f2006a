import { AppError } from '../errors.js';

// Checks on the period of a statistics request that the schema cannot make alone.

const DAY_MS = 86_400_000;

/** `to` must not be before `from`, and the two at most `maxDays` apart; else a 400 naming `query.to`. */
export function checkPeriod(period: { from: Date; to: Date }, maxDays: number): void {
  if (period.to.getTime() < period.from.getTime()) throw AppError.invalid('query.to', 'must not be before from');
  if (period.to.getTime() - period.from.getTime() > maxDays * DAY_MS) throw AppError.invalid('query.to', `must be at most ${maxDays} days after from`);
}
