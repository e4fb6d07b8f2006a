// What any client input must be before it reaches a query, a hash or a recursive walk. Postgres text
// and jsonb cannot hold NUL, and jsonb refuses a lone UTF-16 surrogate (a text column silently turns it
// into U+FFFD); JSON nested thousands deep overflows the stack of anything recursive. The HTTP layer
// checks every path segment, query value and JSON body against these before validation; parsers of JSON
// carried inside a parameter (the `filters` rule tree) check their parsed value the same way.

/** Limits of a JSON value from a client: nesting (the top value is depth 1) and values in all. */
export const JSON_LIMITS = { maxDepth: 32, maxNodes: 10_000 } as const;

/** Accepted instants: from 1970-01-01T00:00:00Z (inclusive) to 9999-01-01T00:00:00Z (exclusive). */
export const INSTANT_RANGE = { min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 0, 1) } as const;
export const INSTANT_RANGE_TEXT = 'from 1970-01-01T00:00:00Z up to (not including) 9999-01-01T00:00:00Z';

export function isInstantInRange(t: Date | number): boolean {
  const ms = typeof t === 'number' ? t : t.getTime();
  return ms >= INSTANT_RANGE.min && ms < INSTANT_RANGE.max;
}

// NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when Postgres text and jsonb can hold `s` unchanged: no NUL and no unpaired surrogate. */
export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/** Where in a JSON value a problem is (keys and array indexes from the top), and what it is. */
export interface JsonProblem {
  at: Array<string | number>;
  message: string;
}

/**
 * The first problem of a parsed JSON value, or undefined: an unstorable key or string, nesting deeper
 * than `maxDepth`, more than `maxNodes` values. Walks iteratively, so any depth is safe to check.
 */
export function findJsonProblem(value: unknown, limits: { maxDepth: number; maxNodes: number } = JSON_LIMITS): JsonProblem | undefined {
  const stack: Array<{ value: unknown; at: Array<string | number> }> = [{ value, at: [] }];
  let nodes = 1;
  const tooMany = { at: [], message: `holds more than ${limits.maxNodes} JSON values` };
  while (stack.length > 0) {
    const { value: v, at } = stack.pop()!;
    if (typeof v === 'string') {
      if (!isStorableText(v)) return { at, message: UNSTORABLE_TEXT_MESSAGE };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (at.length + 1 > limits.maxDepth) return { at, message: `nests JSON deeper than ${limits.maxDepth} levels` };
    if (Array.isArray(v)) {
      if ((nodes += v.length) > limits.maxNodes) return tooMany;
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], at: [...at, i] });
      continue;
    }
    const keys = Object.keys(v);
    if ((nodes += keys.length) > limits.maxNodes) return tooMany;
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      if (!isStorableText(key)) return { at, message: 'has a key with NUL characters or unpaired UTF-16 surrogates' };
      stack.push({ value: (v as Record<string, unknown>)[key], at: [...at, key] });
    }
  }
  return undefined;
}

/** An issue path such as `body.tool_calls.0.arguments.x`. */
export function dottedPath(root: string, at: Array<string | number>): string {
  return [root, ...at.map(String)].join('.');
}

/** A UUID in any letter case (ids are compared in lower case, as Postgres prints them). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/**
 * JSON with object keys sorted, so equal values serialise alike whatever their key order (hashes of
 * requests and export params). Output equals `JSON.stringify` apart from the key order; built with an
 * explicit stack, so no nesting can overflow it.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  // Either text to emit as is, or a value to serialise (undefined, say in an array, prints as null).
  const work: Array<string | { value: unknown }> = [{ value }];
  while (work.length > 0) {
    const item = work.pop()!;
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    let v = item.value;
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(): unknown }).toJSON();
    if (Array.isArray(v)) {
      work.push(']');
      for (let i = v.length - 1; i >= 0; i--) {
        work.push({ value: v[i] });
        if (i > 0) work.push(',');
      }
      work.push('[');
      continue;
    }
    if (v !== null && typeof v === 'object') {
      const entries = Object.keys(v)
        .filter((k) => isJsonValue((v as Record<string, unknown>)[k]))
        .sort()
        .reverse();
      work.push('}');
      entries.forEach((k, i) => {
        work.push({ value: (v as Record<string, unknown>)[k] });
        work.push(`${JSON.stringify(k)}:`);
        if (i < entries.length - 1) work.push(',');
      });
      work.push('{');
      continue;
    }
    out.push(JSON.stringify(v) ?? 'null');
  }
  return out.join('');
}

/** What JSON.stringify keeps as an object member (it drops undefined, functions and symbols). */
function isJsonValue(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
}
