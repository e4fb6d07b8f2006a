// Every event type, what it means and what its `data` holds. The OpenAPI document describes each one
// (3.1 `webhooks`) from this list; a type not listed here cannot be recorded.

export const EVENT_SCHEMA_VERSION = 1;

export const EVENT_TYPES = [
  'chat.created',
  'chat.updated',
  'chat.removed',
  'chat.needs_response',
  'message.created',
  'message.delivery_updated',
  'participant.added',
  'participant.removed',
  'summary.updated',
  'export.completed',
  'export.failed',
  'webhook_endpoint.disabled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

export const EVENT_DESCRIPTIONS: Record<EventType, string> = {
  'chat.created': 'A chat was created. `data.chat` identifies it (`id` uuid, `number` the integer id of the v2 endpoints).',
  'chat.updated': 'Fields of a chat changed. `data.changes` holds each changed field with its new value.',
  'chat.removed': 'A chat was removed (it no longer appears in lists).',
  'chat.needs_response': 'A chat started or stopped needing a response: `data.needsResponse` says which.',
  'message.created': 'A message was added to a chat, incoming or from the assistant. `data.message` identifies it with its role.',
  'message.delivery_updated': 'The SMS or email delivery of an assistant message changed status (`data.status`: queued, sent, failed).',
  'participant.added': 'A member joined a chat as a participant.',
  'participant.removed': 'A participant left a chat.',
  'summary.updated': 'A chat got a new summary (and title).',
  'export.completed': 'A CSV export finished; fetch it through its status endpoint (`data.export.statusPath`).',
  'export.failed': 'A CSV export failed for good; `data.export.error` says why.',
  'webhook_endpoint.disabled': 'A webhook endpoint was disabled: it answered 410 Gone, or failed every attempt of a delivery over about a day.',
};
