// The adapters, imported as '@parley/core/providers' (see index.ts), and createProviders(), which makes the
// configured ones at once.
export { createProviders } from './create.js';
export { createOutboxEmail, createOutboxSms } from './outbox.js';
export { createTwilioSms } from './twilio.js';
export { createSmtpEmail } from './smtp.js';
export { createHttpToolInvoker, MAX_TOOL_RESULT_BYTES } from './http-tools.js';
export { createExtractiveSummarizer, matchLabels, summarizeExtractively } from './extractive-summarizer.js';
export { buildSummaryPrompt, createOpenAiSummarizer } from './openai-summarizer.js';
