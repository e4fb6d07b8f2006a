import type { ProvidersConfig } from '../config.js';
import type { Log } from './outbox.js';
import type { Providers } from './ports.js';

/**
 * The adapters createProviders() makes from the configuration, loaded on the first call of any of them:
 * a function that never sends, invokes a tool or summarises does not load their code at a cold start.
 * Each method awaits the real adapter and calls it; the provider names are the real adapters' (a test
 * checks they agree).
 */
export function createLazyProviders(config: ProvidersConfig, options: { log?: Log } = {}): Providers {
  let loaded: Promise<Providers> | undefined;
  const real = () => (loaded ??= import('./create.js').then((m) => m.createProviders(config, options)));
  return {
    sms: { provider: config.sms.kind === 'twilio' ? 'twilio' : 'outbox', send: async (message) => (await real()).sms.send(message) },
    email: { provider: config.email.kind === 'smtp' ? 'smtp' : 'outbox', send: async (message) => (await real()).email.send(message) },
    tools: { invoke: async (tool, call) => (await real()).tools.invoke(tool, call) },
    summarizer: {
      provider: config.summarizer.kind === 'openai' ? 'openai' : 'extractive',
      summarize: async (request) => (await real()).summarizer.summarize(request),
    },
    summaryMaxInputChars: config.summarizer.maxInputChars,
  };
}
