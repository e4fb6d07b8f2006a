import * as z from 'zod';
import { fetchWithTimeout, ProviderError, snippet, type Summarizer, type SummaryRequest, type SummaryResult } from './ports.js';

// Summaries from any OpenAI-compatible chat-completions endpoint (OpenAI, Azure-style proxies, vLLM,
// Ollama, LiteLLM...): one request, temperature 0, asking for a JSON object back.

export interface OpenAiOptions {
  /** Up to and including the version segment, e.g. `http://localhost:11434/v1`. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
}

const Answer = z.object({
  title: z.string().trim().min(1),
  summary: z.string().trim().min(1),
  labels: z.array(z.string()).default([]),
});

export function buildSummaryPrompt(request: SummaryRequest): { system: string; user: string } {
  const labelRules = request.labels
    ? request.labels.length > 0
      ? [
          'Choose "labels" only from this list, by exact name, and only those that clearly apply (an empty array if none):',
          ...request.labels.map((l) => `- ${l.name}${l.description ? `: ${l.description}` : ''}${l.keywords.length ? ` (keywords: ${l.keywords.join(', ')})` : ''}`),
        ].join('\n')
      : 'The workspace defines no labels: answer "labels": [].'
    : 'Labels are not wanted: answer "labels": [].';
  const system = [
    'You summarise a conversation between a customer (user) and a support assistant for the team that handles it.',
    'Answer with one JSON object and nothing else: {"title": string, "summary": string, "labels": string[]}.',
    '"title": at most 8 words naming the topic. "summary": 2 to 4 sentences on what the customer wants, what was done and what is still open.',
    'Write in the language of the conversation. Lines marked "note" are internal team notes. Do not invent facts.',
    labelRules,
  ].join('\n');
  const header = [
    request.title ? `Current title: ${request.title}` : undefined,
    request.omittedMessages > 0 ? `(${request.omittedMessages} earlier messages left out for length)` : undefined,
  ].filter(Boolean);
  const lines = request.messages.map((m) => `[${m.createdAt.toISOString()}] ${m.role}: ${m.content}`);
  return { system, user: [...header, ...lines].join('\n') };
}

function parseAnswer(content: string): SummaryResult {
  // Some models wrap JSON in a code fence despite being asked not to.
  const unfenced = content.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, '');
  let json: unknown;
  try {
    json = JSON.parse(unfenced);
  } catch {
    throw new ProviderError('openai', `the model did not answer with JSON: ${snippet(content, 120)}`);
  }
  const parsed = Answer.safeParse(json);
  if (!parsed.success) throw new ProviderError('openai', `the model's JSON lacks a title or summary: ${snippet(unfenced, 120)}`);
  return parsed.data;
}

export function createOpenAiSummarizer(options: OpenAiOptions): Summarizer {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return {
    provider: 'openai',
    async summarize(request: SummaryRequest): Promise<SummaryResult> {
      const prompt = buildSummaryPrompt(request);
      const res = await fetchWithTimeout(
        'openai',
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(options.apiKey && { authorization: `Bearer ${options.apiKey}` }) },
          body: JSON.stringify({
            model: options.model,
            temperature: 0,
            response_format: { type: 'json_object' },
            messages: [
              { role: 'system', content: prompt.system },
              { role: 'user', content: prompt.user },
            ],
          }),
        },
        options.timeoutMs,
      );
      const text = await res.text();
      let body: { choices?: Array<{ message?: { content?: string | null }; finish_reason?: string }>; error?: { message?: string } } = {};
      try {
        body = JSON.parse(text);
      } catch {
        // reported below
      }
      if (!res.ok) throw new ProviderError('openai', `HTTP ${res.status}: ${body.error?.message ?? (snippet(text) || res.statusText)}`);
      const choice = body.choices?.[0];
      const content = choice?.message?.content;
      if (!content) throw new ProviderError('openai', `no completion in the answer${choice?.finish_reason ? ` (finish_reason ${choice.finish_reason})` : ''}`);
      return parseAnswer(content);
    },
  };
}
