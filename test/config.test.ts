import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@parley/core';

describe('configuration', () => {
  it('defaults to the embedded database on port 3000 under .data', () => {
    expect(parseConfig({})).toEqual({
      port: 3000,
      dataDir: '.data',
      databaseUrl: undefined,
      databaseDriver: 'pglite',
      neonWsProxy: undefined,
      demoApiKey: undefined,
    });
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
