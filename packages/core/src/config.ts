import { z } from 'zod';

// Configuration is parsed once, here, from the environment.

const ConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATA_DIR: z.string().min(1).default('.data'),
    DATABASE_URL: z.string().url().optional(),
    DATABASE_DRIVER: z.enum(['pglite', 'pg', 'neon']).optional(),
    /** Neon driver only: a plain-WebSocket proxy `host:port` in front of Postgres (local testing). */
    NEON_WS_PROXY: z.string().min(1).optional(),
    DEMO_API_KEY: z
      .string()
      .regex(/^prl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{16,}$/, 'must look like prl_<12 letters or digits>_<at least 16 url-safe characters>')
      .optional(),
  })
  .transform((env) => ({
    port: env.PORT,
    dataDir: env.DATA_DIR,
    databaseUrl: env.DATABASE_URL,
    databaseDriver: env.DATABASE_DRIVER ?? (env.DATABASE_URL ? ('pg' as const) : ('pglite' as const)),
    neonWsProxy: env.NEON_WS_PROXY,
    demoApiKey: env.DEMO_API_KEY,
  }))
  .superRefine((config, ctx) => {
    if (config.databaseDriver !== 'pglite' && !config.databaseUrl) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: `is required when DATABASE_DRIVER is ${config.databaseDriver}` });
    }
  });

export type Config = z.output<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

let cached: Config | undefined;
/** The process's configuration, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig();
  return cached;
}
