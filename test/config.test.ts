import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@parley/core';

describe('configuration', () => {
  it('defaults to the embedded database on port 3000 under .data', () => {
    expect(parseConfig({})).toMatchObject({
      port: 3000,
      publicUrl: undefined,
      dataDir: '.data',
      databaseUrl: undefined,
      databaseDriver: 'pglite',
      neonWsProxy: undefined,
      demoApiKey: undefined,
      exports: {
        bucket: undefined,
        queueUrl: undefined,
        s3Endpoint: undefined,
        sqsEndpoint: undefined,
        region: 'us-east-1',
        waitMs: 5000,
        linkTtlSeconds: 900,
        maxReceives: 4,
        leaseSeconds: 300,
        signingSecret: undefined,
        localDir: '.data/exports',
      },
    });
  });

  it('reads rate limits per key class and the rotation grace period, within bounds', () => {
    expect(parseConfig({}).rateLimits).toEqual({ enabled: true, windowSeconds: 60, limits: { default: 1000, admin: 5000 } });
    expect(parseConfig({ RATE_LIMITS: 'off' }).rateLimits).toEqual({ enabled: false });
    expect(parseConfig({ RATE_LIMIT_WINDOW_SECONDS: '1', RATE_LIMIT_DEFAULT: '10', RATE_LIMIT_ADMIN: '20' }).rateLimits).toEqual({ enabled: true, windowSeconds: 1, limits: { default: 10, admin: 20 } });
    for (const env of [{ RATE_LIMIT_WINDOW_SECONDS: '0' }, { RATE_LIMIT_WINDOW_SECONDS: '3601' }, { RATE_LIMIT_DEFAULT: '0' }, { RATE_LIMIT_ADMIN: '1000001' }, { RATE_LIMITS: 'maybe' }]) {
      expect(() => parseConfig(env), JSON.stringify(env)).toThrow(ConfigError);
    }
    expect(parseConfig({}).apiKeys).toEqual({ rotationGraceSeconds: 86_400 });
    expect(parseConfig({ API_KEY_ROTATION_GRACE_SECONDS: '0' }).apiKeys.rotationGraceSeconds).toBe(0);
    expect(() => parseConfig({ API_KEY_ROTATION_GRACE_SECONDS: String(7 * 86_400 + 1) })).toThrow(/API_KEY_ROTATION_GRACE_SECONDS/);
  });

  it('reads CORS_ORIGINS as any, none or a list of origins, leaving the default to the mode when unset', () => {
    expect(parseConfig({}).corsOrigins).toBeUndefined();
    expect(parseConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(parseConfig({ CORS_ORIGINS: 'none' }).corsOrigins).toEqual([]);
    expect(parseConfig({ CORS_ORIGINS: '' }).corsOrigins).toEqual([]);
    expect(parseConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173/,https://app.example.com' }).corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    for (const bad of ['app.example.com', 'https://app.example.com/path', 'ftp://files.example.com']) {
      expect(() => parseConfig({ CORS_ORIGINS: bad }), bad).toThrow(ConfigError);
      expect(() => parseConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS: .* is not an origin/);
    }
    expect(parseConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => parseConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });

  it('defaults every chat-action provider to one without network or account', () => {
    const { providers } = parseConfig({});
    expect(providers.sms).toEqual({ kind: 'outbox' });
    expect(providers.email.kind).toBe('outbox');
    expect(providers.summarizer.kind).toBe('extractive');
    expect(providers.tools.timeoutMs).toBe(10_000);
  });

  it('requires the credentials of the providers it is told to use', () => {
    expect(() => parseConfig({ SMS_PROVIDER: 'twilio' })).toThrow(/TWILIO_ACCOUNT_SID: is required/);
    expect(() => parseConfig({ SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't' })).toThrow(/TWILIO_FROM/);
    expect(() => parseConfig({ EMAIL_PROVIDER: 'smtp' })).toThrow(/SMTP_HOST: is required/);
    expect(() => parseConfig({ SUMMARIZER: 'openai', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' })).toThrow(/OPENAI_MODEL: is required/);
    const twilio = parseConfig({ SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15550000' }).providers.sms;
    expect(twilio).toMatchObject({ kind: 'twilio', baseUrl: 'https://api.twilio.com', accountSid: 'AC1', from: '+15550000' });
  });

  it('reads the export settings: bucket and queue, timings, and rejects out-of-range waits', () => {
    const cfg = parseConfig({ EXPORTS_BUCKET: 'b', EXPORTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q', EXPORT_WAIT_MS: '0', AWS_REGION: 'eu-west-1', DATA_DIR: '/d' });
    expect(cfg.exports).toMatchObject({ bucket: 'b', queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q', waitMs: 0, region: 'eu-west-1', localDir: '/d/exports' });
    expect(() => parseConfig({ EXPORT_WAIT_MS: '60000' })).toThrow(/EXPORT_WAIT_MS/);
    expect(() => parseConfig({ EXPORT_SIGNING_SECRET: 'short' })).toThrow(/EXPORT_SIGNING_SECRET/);
  });

  it('reads the public base URL of links, without a trailing slash, and only over http(s)', () => {
    expect(parseConfig({ PUBLIC_URL: 'https://api.example.com/' }).publicUrl).toBe('https://api.example.com');
    expect(parseConfig({ PUBLIC_URL: 'http://10.0.0.5:8080/parley' }).publicUrl).toBe('http://10.0.0.5:8080/parley');
    expect(() => parseConfig({ PUBLIC_URL: 'javascript:alert(1)' })).toThrow(/PUBLIC_URL/);
    expect(() => parseConfig({ PUBLIC_URL: 'api.example.com' })).toThrow(/PUBLIC_URL/);
  });

  it('uses pg when a DATABASE_URL is given, unless a driver is named', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://u@h:5432/d' }).databaseDriver).toBe('pg');
    expect(parseConfig({ DATABASE_URL: 'postgres://u@h:5432/d', DATABASE_DRIVER: 'neon' }).databaseDriver).toBe('neon');
  });

  it('explains every invalid variable at once', () => {
    let error: unknown;
    try {
      parseConfig({ PORT: 'eighty', DATABASE_DRIVER: 'mysql', DEMO_API_KEY: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT');
    expect(message).toContain('DATABASE_DRIVER');
    expect(message).toContain('DEMO_API_KEY');
    expect(() => parseConfig({ DATABASE_DRIVER: 'neon' })).toThrow(/DATABASE_URL: is required/);
  });
});
