import type { LabelDefinition, Summarizer, SummaryRequest, SummaryResult } from './ports.js';

// The embedded summariser: no network, and the same input always gives the same output. It scores each
// sentence by how frequent its content words are across the chat (a classic frequency-based extract),
// keeps the best few in their original order, titles the chat from the best sentence a user wrote, and
// assigns labels whose keywords (or name) occur in the text.

const STOPWORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by can could did do does ' +
    'doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself ' +
    'just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such than ' +
    'that the their theirs them themselves then there these they this those through to too under until up very was we were what when where ' +
    'which while who whom why will with would you your yours yourself yourselves hi hello hey thanks thank please ok okay yes yeah sure also ' +
    'get got let like know want need one would could can cannot dont im ive youre its thats'
  ).split(/\s+/),
);

const SUMMARY_SENTENCES = 3;
const MAX_SUMMARY_CHARS = 800;
const TITLE_WORDS = 8;
const MAX_TITLE_CHARS = 80;

interface Sentence {
  text: string;
  index: number;
  role: string;
  words: string[];
}

function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? []).map((w) => w.replace(/['’]/g, ''));
}

function contentWords(text: string): string[] {
  return words(text).filter((w) => w.length > 2 && !STOPWORDS.has(w) && !/^\d+$/.test(w));
}

function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.replace(/^[\s>*#-]+/, '').trim())
    .filter((s) => s.length > 0);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whole-word (or whole-phrase), case-insensitive, in any script. */
function mentions(haystack: string, phrase: string): boolean {
  const needle = phrase.trim().toLowerCase();
  if (!needle) return false;
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(needle)}($|[^\\p{L}\\p{N}])`, 'u').test(haystack);
}

/** The labels whose keywords, or whose name when it has none, occur in the text. */
export function matchLabels(text: string, labels: LabelDefinition[]): string[] {
  const haystack = text.toLowerCase();
  return labels
    .filter((label) => (label.keywords.length > 0 ? label.keywords : [label.name]).some((k) => mentions(haystack, k)))
    .map((label) => label.name)
    .sort();
}

/** The sentence without its leading filler ("Hi, I want to book..." becomes "Book..."), cut to a few words. */
function shortTitle(sentence: string): string {
  const parts = sentence.replace(/[\s.!?,;:]+$/, '').split(/\s+/);
  const isFiller = (word: string) => {
    const bare = word.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
    return bare === '' || STOPWORDS.has(bare);
  };
  while (parts.length > 2 && isFiller(parts[0]!)) parts.shift();
  let title = parts.join(' ');
  if (parts.length > TITLE_WORDS) {
    const kept = parts.slice(0, TITLE_WORDS);
    while (kept.length > 2 && isFiller(kept.at(-1)!)) kept.pop();
    title = `${kept.join(' ').replace(/[,;:]$/, '')}…`;
  }
  title = title.replace(/^[^\p{L}\p{N}]+/u, '');
  if (title.length > MAX_TITLE_CHARS) title = `${title.slice(0, MAX_TITLE_CHARS - 1).trimEnd()}…`;
  return title.charAt(0).toUpperCase() + title.slice(1);
}

export function summarizeExtractively(request: SummaryRequest): SummaryResult {
  const sentences: Sentence[] = [];
  for (const message of request.messages) {
    if (message.role === 'note') continue; // internal notes are not part of the conversation
    for (const text of splitSentences(message.content)) sentences.push({ text, index: sentences.length, role: message.role, words: contentWords(text) });
  }
  const frequency = new Map<string, number>();
  for (const s of sentences) for (const w of new Set(s.words)) frequency.set(w, (frequency.get(w) ?? 0) + 1);
  const top = Math.max(1, ...frequency.values());
  // Sum of normalised frequencies of distinct content words, damped by length so long sentences do not win by size alone.
  const score = (s: Sentence) => {
    const distinct = [...new Set(s.words)];
    if (distinct.length === 0) return 0;
    return distinct.reduce((sum, w) => sum + (frequency.get(w) ?? 0) / top, 0) / Math.sqrt(distinct.length);
  };
  const ranked = sentences
    .map((s) => ({ s, score: score(s) }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score || a.s.index - b.s.index);

  const picked: Sentence[] = [];
  const seen = new Set<string>();
  for (const { s } of ranked) {
    const key = s.words.join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    picked.push(s);
    if (picked.length === SUMMARY_SENTENCES) break;
  }
  picked.sort((a, b) => a.index - b.index);
  let summary = picked.map((s) => (/[.!?]$/.test(s.text) ? s.text : `${s.text}.`)).join(' ');
  if (!summary) summary = sentences.map((s) => s.text).join(' ');
  if (summary.length > MAX_SUMMARY_CHARS) summary = `${summary.slice(0, MAX_SUMMARY_CHARS - 1).trimEnd()}…`;

  const best = ranked.find((r) => r.s.role === 'user') ?? ranked[0];
  const title = best ? shortTitle(best.s.text) : request.title ?? 'Conversation';

  const labels = request.labels ? matchLabels(request.messages.filter((m) => m.role !== 'note').map((m) => m.content).join('\n'), request.labels) : [];
  return { title, summary, labels };
}

export function createExtractiveSummarizer(): Summarizer {
  return { provider: 'extractive', summarize: async (request) => summarizeExtractively(request) };
}
