// The ports chat actions deliver and think through. Adapters live beside this file; which ones run is
// configuration (config.ts `providers`), chosen once in createProviders().

/** A provider refused or failed; `reason` is what the provider said, safe to show to the API client. */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    readonly provider: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider}: ${reason}`, options);
  }
}

/** How far a provider took a message: handed over for delivery (`sent`), or kept in the outbox (`queued`). */
export interface SendResult {
  status: 'sent' | 'queued';
  providerMessageId: string | null;
}

export interface SmsMessage {
  to: string;
  body: string;
}

export interface SmsSender {
  readonly provider: string;
  send(message: SmsMessage): Promise<SendResult>;
}

export interface EmailMessage {
  to: string;
  subject: string;
  /** The markdown source, for clients that show plain text. */
  text: string;
  html: string;
}

export interface EmailSender {
  readonly provider: string;
  send(message: EmailMessage): Promise<SendResult>;
}

export interface ToolEndpoint {
  name: string;
  callbackUrl: string;
  /** The tool's own deadline; the invoker's default when null. */
  timeoutMs: number | null;
  /** What is left of the request's budget for tools: no call may wait longer. */
  maxTimeoutMs?: number;
}

export interface ToolCallRequest {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  /** Who is calling, so the tool can look the chat up. */
  context: { workspaceId: string; chatId: number; chatUuid: string };
}

export interface ToolInvoker {
  /** The tool's JSON result; throws ProviderError when the tool fails. */
  invoke(tool: ToolEndpoint, call: ToolCallRequest): Promise<unknown>;
}

export interface TranscriptMessage {
  role: 'user' | 'assistant' | 'note';
  content: string;
  createdAt: Date;
}

export interface LabelDefinition {
  name: string;
  description: string | null;
  keywords: string[];
}

export interface SummaryRequest {
  title: string | null;
  /** Oldest first; the latest messages that fit the input budget. */
  messages: TranscriptMessage[];
  /** How many earlier messages were left out to fit. */
  omittedMessages: number;
  /** The labels to choose from; absent when labels are not wanted. */
  labels?: LabelDefinition[];
}

export interface SummaryResult {
  title: string;
  summary: string;
  /** Names from the request's labels. */
  labels: string[];
}

export interface Summarizer {
  readonly provider: string;
  summarize(request: SummaryRequest): Promise<SummaryResult>;
}

export interface Providers {
  sms: SmsSender;
  email: EmailSender;
  tools: ToolInvoker;
  summarizer: Summarizer;
  /** The transcript budget, in characters, the summariser is given. */
  summaryMaxInputChars: number;
}

/** Fetch with a deadline; a timeout or a refused connection becomes a ProviderError with a plain reason. */
export async function fetchWithTimeout(provider: string, url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new ProviderError(provider, `no answer within ${timeoutMs} ms`, { cause: err });
    throw new ProviderError(provider, `request failed: ${e.cause?.code ?? e.cause?.message ?? e.message}`, { cause: err });
  }
}

/** The start of a response body for an error message: enough to diagnose, never a whole page. */
export function snippet(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
