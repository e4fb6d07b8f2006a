// The origins a browser may call the API from (CORS), as CORS_ORIGINS spells them. The configuration
// and the infrastructure (API Gateway's CORS settings, infra/api.ts) parse the variable with this one
// function, so the deployed gateway and the functions behind it allow the same origins.

/** `*` for any origin, else the allowed origins (none: no cross-origin access). */
export type CorsOrigins = '*' | readonly string[];

/**
 * `*`, `none` (or empty), or a comma-separated list of origins such as `https://app.example.com`;
 * undefined when the variable is unset, so each mode applies its own default. Throws on anything that
 * is not an origin (a path, a missing scheme), since a browser would never send it.
 */
export function parseCorsOrigins(value: string | undefined): CorsOrigins | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  if (trimmed === '' || trimmed.toLowerCase() === 'none') return [];
  const origins = trimmed.split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    const parsed = URL.canParse(origin) ? new URL(origin) : undefined;
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin.replace(/\/$/, '')) {
      throw new Error(`${origin} is not an origin (scheme://host[:port], without a path); use * for any origin or none for none`);
    }
  }
  return [...new Set(origins.map((o) => new URL(o).origin))];
}
