import type { ProvidersConfig } from '../config.js';
import { createExtractiveSummarizer } from './extractive-summarizer.js';
import { createHttpToolInvoker } from './http-tools.js';
import { createOpenAiSummarizer } from './openai-summarizer.js';
import { createOutboxEmail, createOutboxSms, type Log } from './outbox.js';
import type { Providers } from './ports.js';
import { createSmtpEmail } from './smtp.js';
import { createTwilioSms } from './twilio.js';

/** The adapters the configuration names; `log` is where the outbox prints. */
export function createProviders(config: ProvidersConfig, options: { log?: Log } = {}): Providers {
  const { sms, email, summarizer, tools } = config;
  return {
    sms: sms.kind === 'twilio' ? createTwilioSms(sms) : createOutboxSms(options.log),
    email: email.kind === 'smtp' ? createSmtpEmail(email) : createOutboxEmail(options.log),
    tools: createHttpToolInvoker(tools),
    summarizer: summarizer.kind === 'openai' ? createOpenAiSummarizer(summarizer) : createExtractiveSummarizer(),
    summaryMaxInputChars: summarizer.maxInputChars,
  };
}
