// The ports and the lazy adapters, for every function. The adapters themselves (and createProviders, which
// makes them at once) are '@parley/core/providers' (adapters.ts): a bundle that imports them from here
// would load them at a cold start, even where only createLazyProviders() reaches them.
export * from './ports.js';
export { createLazyProviders } from './lazy.js';
export type { Log } from './outbox.js';
export type { TwilioOptions } from './twilio.js';
export type { SmtpOptions } from './smtp.js';
export type { OpenAiOptions } from './openai-summarizer.js';
