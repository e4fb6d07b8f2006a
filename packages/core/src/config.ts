import { join } from 'node:path';
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
    /** S3 bucket for export files; without it they go to a folder under DATA_DIR (local). */
    EXPORTS_BUCKET: z.string().min(1).optional(),
    /** SQS queue URL for export jobs; without it an in-process queue runs them (local). */
    EXPORTS_QUEUE_URL: z.string().url().optional(),
    /** An S3-compatible endpoint instead of AWS's (a local test server). */
    S3_ENDPOINT: z.string().url().optional(),
    /** An SQS-compatible endpoint instead of AWS's. */
    SQS_ENDPOINT: z.string().url().optional(),
    AWS_REGION: z.string().min(1).default('us-east-1'),
    /** How long GET /export waits for the file before answering 202 (below the 29 s API limit). */
    EXPORT_WAIT_MS: z.coerce.number().int().min(0).max(25_000).default(5_000),
    /** How long a download link stays valid. */
    EXPORT_LINK_TTL_SECONDS: z.coerce.number().int().min(10).max(7 * 86_400).default(900),
    /** Deliveries of one export message before it goes to the dead-letter queue (the queue's maxReceiveCount). */
    EXPORT_MAX_RECEIVES: z.coerce.number().int().min(1).max(100).default(4),
    /** How long a worker holds a job; below the queue's visibility timeout, above the worker's run time. */
    EXPORT_LEASE_SECONDS: z.coerce.number().int().min(1).max(43_200).default(290),
    /** HMAC key of local download links; random per process when unset. */
    EXPORT_SIGNING_SECRET: z.string().min(16).optional(),
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
    exports: {
      bucket: env.EXPORTS_BUCKET,
      queueUrl: env.EXPORTS_QUEUE_URL,
      s3Endpoint: env.S3_ENDPOINT,
      sqsEndpoint: env.SQS_ENDPOINT,
      region: env.AWS_REGION,
      waitMs: env.EXPORT_WAIT_MS,
      linkTtlSeconds: env.EXPORT_LINK_TTL_SECONDS,
      maxReceives: env.EXPORT_MAX_RECEIVES,
      leaseSeconds: env.EXPORT_LEASE_SECONDS,
      signingSecret: env.EXPORT_SIGNING_SECRET,
      localDir: join(env.DATA_DIR, 'exports'),
    },
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
