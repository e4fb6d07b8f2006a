import { join } from 'node:path';
import * as z from 'zod';
import { parseCorsOrigins } from './cors-origins.js';
import { EXPORT_DELIVERY } from './exports/delivery.js';
import { WEBHOOK_DELIVERY } from './webhooks/delivery.js';

/** The longest grace period a rotation may give the previous secret: 7 days. */
export const KEY_ROTATION_GRACE_MAX_SECONDS = 7 * 86_400;

/** The classes of API keys rate limits tell apart (see rateLimitClass). */
export const RATE_LIMIT_CLASSES = ['default', 'admin'] as const;
export type RateLimitClass = (typeof RATE_LIMIT_CLASSES)[number];

/** Rate limits per API key: requests per fixed window, by the key's class; or none. */
export type RateLimits = { enabled: false } | { enabled: true; windowSeconds: number; limits: Record<RateLimitClass, number> };

// Configuration is parsed once, here, from the environment.

const ConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** Origins browsers may call the API from: `*`, `none`, or a comma-separated list. Unset: any under `npm start`, none deployed. */
    CORS_ORIGINS: z
      .string()
      .optional()
      .transform((value, ctx) => {
        try {
          return parseCorsOrigins(value);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
    /** The request log's form: JSON lines, or short lines for a terminal. Unset: `pretty` when `npm start` writes to a terminal, else `json`. */
    LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
    /**
     * The API's public base URL, for the links it returns (downloads, status URLs): clients reach it there.
     * Unset: API Gateway's own domain on Lambda, else http://localhost:PORT. Never taken from a request.
     */
    PUBLIC_URL: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL')
      .optional(),
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
    EXPORT_MAX_RECEIVES: z.coerce.number().int().min(1).max(100).default(EXPORT_DELIVERY.maxReceives),
    /** How long a worker holds a job; below the queue's visibility timeout, at least the worker's run time. */
    EXPORT_LEASE_SECONDS: z.coerce.number().int().min(1).max(43_200).default(EXPORT_DELIVERY.leaseSeconds),
    /** HMAC key of local download links; random per process when unset. */
    EXPORT_SIGNING_SECRET: z.string().min(16).optional(),
    /** SQS queue URL for webhook deliveries; without it an in-process queue delivers them (local). */
    WEBHOOKS_QUEUE_URL: z.string().url().optional(),
    /** How long a webhook endpoint may take to answer. */
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(500).max(30_000).default(WEBHOOK_DELIVERY.timeoutSeconds * 1000),
    /** true: webhook endpoints may be on loopback, link-local or private networks (local testing only). */
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    DEMO_API_KEY: z
      .string()
      .regex(/^prl_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{16,}$/, 'must look like prl_<12 letters or digits>_<at least 16 url-safe characters>')
      .optional(),
    // Providers of chat actions. Each defaults to one that needs no account and no network.
    SMS_PROVIDER: z.enum(['outbox', 'twilio']).default('outbox'),
    TWILIO_BASE_URL: z.string().url().default('https://api.twilio.com'),
    TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    /** The sender: a phone number in E.164, or use a messaging service instead. */
    TWILIO_FROM: z.string().min(1).optional(),
    TWILIO_MESSAGING_SERVICE_SID: z.string().min(1).optional(),
    EMAIL_PROVIDER: z.enum(['outbox', 'smtp']).default('outbox'),
    SMTP_HOST: z.string().min(1).optional(),
    SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
    /** true: TLS from the start (port 465); false: STARTTLS when the server offers it. */
    SMTP_SECURE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: z.string().min(1).optional(),
    EMAIL_FROM: z.string().min(3).default('Parley <no-reply@localhost>'),
    SUMMARIZER: z.enum(['extractive', 'openai']).default('extractive'),
    /** Any OpenAI-compatible API: its base URL up to and including `/v1`. */
    OPENAI_BASE_URL: z.string().url().optional(),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_MODEL: z.string().min(1).optional(),
    SUMMARY_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
    /** The longest transcript sent to a summariser; older messages are left out beyond it. */
    SUMMARY_MAX_INPUT_CHARS: z.coerce.number().int().min(500).max(1_000_000).default(24_000),
    TOOL_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /** How long a rotated key's previous secret keeps working (0: not at all; at most 7 days). */
    API_KEY_ROTATION_GRACE_SECONDS: z.coerce.number().int().min(0).max(KEY_ROTATION_GRACE_MAX_SECONDS).default(86_400),
    /** Rate limits per API key: `on` or `off`. */
    RATE_LIMITS: z.enum(['on', 'off']).default('on'),
    /** The length of the fixed window requests are counted in. */
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
    /** Requests per window for keys of the `default` class. */
    RATE_LIMIT_DEFAULT: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
    /** Requests per window for keys of the `admin` class (holding `chats:admin` or `keys:admin`). */
    RATE_LIMIT_ADMIN: z.coerce.number().int().min(1).max(1_000_000).default(5_000),
  })
  .transform((env) => ({
    port: env.PORT,
    corsOrigins: env.CORS_ORIGINS,
    logFormat: env.LOG_FORMAT,
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ''),
    dataDir: env.DATA_DIR,
    databaseUrl: env.DATABASE_URL,
    databaseDriver: env.DATABASE_DRIVER ?? (env.DATABASE_URL ? ('pg' as const) : ('pglite' as const)),
    neonWsProxy: env.NEON_WS_PROXY,
    demoApiKey: env.DEMO_API_KEY,
    providers: {
      sms:
        env.SMS_PROVIDER === 'twilio'
          ? {
              kind: 'twilio' as const,
              baseUrl: env.TWILIO_BASE_URL,
              accountSid: env.TWILIO_ACCOUNT_SID ?? '',
              authToken: env.TWILIO_AUTH_TOKEN ?? '',
              from: env.TWILIO_FROM,
              messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID,
              timeoutMs: env.DELIVERY_TIMEOUT_MS,
            }
          : { kind: 'outbox' as const },
      email:
        env.EMAIL_PROVIDER === 'smtp'
          ? {
              kind: 'smtp' as const,
              host: env.SMTP_HOST ?? '',
              port: env.SMTP_PORT,
              secure: env.SMTP_SECURE,
              user: env.SMTP_USER,
              password: env.SMTP_PASSWORD,
              from: env.EMAIL_FROM,
              timeoutMs: env.DELIVERY_TIMEOUT_MS,
            }
          : { kind: 'outbox' as const, from: env.EMAIL_FROM },
      summarizer:
        env.SUMMARIZER === 'openai'
          ? {
              kind: 'openai' as const,
              baseUrl: env.OPENAI_BASE_URL ?? '',
              apiKey: env.OPENAI_API_KEY,
              model: env.OPENAI_MODEL ?? '',
              timeoutMs: env.SUMMARY_TIMEOUT_MS,
              maxInputChars: env.SUMMARY_MAX_INPUT_CHARS,
            }
          : { kind: 'extractive' as const, maxInputChars: env.SUMMARY_MAX_INPUT_CHARS },
      tools: { timeoutMs: env.TOOL_CALL_TIMEOUT_MS },
    },
    webhooks: {
      queueUrl: env.WEBHOOKS_QUEUE_URL,
      sqsEndpoint: env.SQS_ENDPOINT,
      region: env.AWS_REGION,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    },
    apiKeys: { rotationGraceSeconds: env.API_KEY_ROTATION_GRACE_SECONDS },
    rateLimits: (env.RATE_LIMITS === 'off'
      ? { enabled: false }
      : { enabled: true, windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS, limits: { default: env.RATE_LIMIT_DEFAULT, admin: env.RATE_LIMIT_ADMIN } }) as RateLimits,
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
    const { sms, email, summarizer } = config.providers;
    const need = (ok: unknown, path: string, message: string) => {
      if (!ok) ctx.addIssue({ code: 'custom', path: [path], message });
    };
    if (sms.kind === 'twilio') {
      need(sms.accountSid, 'TWILIO_ACCOUNT_SID', 'is required when SMS_PROVIDER is twilio');
      need(sms.authToken, 'TWILIO_AUTH_TOKEN', 'is required when SMS_PROVIDER is twilio');
      need(sms.from || sms.messagingServiceSid, 'TWILIO_FROM', 'or TWILIO_MESSAGING_SERVICE_SID is required when SMS_PROVIDER is twilio');
    }
    if (email.kind === 'smtp') need(email.host, 'SMTP_HOST', 'is required when EMAIL_PROVIDER is smtp');
    if (summarizer.kind === 'openai') {
      need(summarizer.baseUrl, 'OPENAI_BASE_URL', 'is required when SUMMARIZER is openai');
      need(summarizer.model, 'OPENAI_MODEL', 'is required when SUMMARIZER is openai');
    }
  });

export type Config = z.output<typeof ConfigSchema>;
export type ProvidersConfig = Config['providers'];

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
