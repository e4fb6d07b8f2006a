import type { Principal } from './auth.js';
import type { RateLimitClass, RateLimits } from './config.js';
import { AppError } from './errors.js';

// Rate limits per API key: a fixed-window counter, one row per key in Postgres (api_key_rate_windows),
// incremented by the statement that looks the key up on every request (see useApiKey), so the limit
// holds across every Lambda instance at no extra round trip. The database's clock places the window:
// windows are aligned to multiples of their length since the epoch, the same for every instance.
//
// A fixed window is one upsert per request and exact under concurrency (the row lock serialises the
// increments); its known weakness is a burst of up to twice the limit across a window boundary (the
// end of one window and the start of the next), which is acceptable for fair-use limits.

/** A key's class: `admin` for keys that hold `chats:admin` or `keys:admin` (back-office integrations), else `default`. */
export function rateLimitClass(principal: Pick<Principal, 'scopes'>): RateLimitClass {
  return principal.scopes.has('chats:admin') || principal.scopes.has('keys:admin') ? 'admin' : 'default';
}

export interface RateLimitState {
  class: RateLimitClass;
  limit: number;
  remaining: number;
  /** Whole seconds until the window ends (at least 1). */
  resetSeconds: number;
  windowSeconds: number;
  exceeded: boolean;
}

/** Where a request that the lookup counted as number `count` of its window stands. */
export function rateLimitState(limits: Extract<RateLimits, { enabled: true }>, principal: Pick<Principal, 'scopes'>, window: { count: number; resetSeconds: number }): RateLimitState {
  const cls = rateLimitClass(principal);
  const limit = limits.limits[cls];
  return {
    class: cls,
    limit,
    remaining: Math.max(0, limit - window.count),
    resetSeconds: Math.min(limits.windowSeconds, Math.max(1, Math.ceil(window.resetSeconds))),
    windowSeconds: limits.windowSeconds,
    exceeded: window.count > limit,
  };
}

export function rateLimitedError(state: RateLimitState): AppError {
  return new AppError(
    'rate_limited',
    `This API key made more than ${state.limit} requests in ${state.windowSeconds} s (its ${state.class} limit); retry in ${state.resetSeconds} s`,
  );
}
