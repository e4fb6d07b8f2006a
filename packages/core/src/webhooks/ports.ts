import type { WebhookTransport } from './transport.js';

// The webhook pipeline's ports. Production: an SQS queue (with its DLQ) and the worker Lambda.
// Locally: the in-process queue with the same messages and the same worker code.

/** `dispatch`: fan new events out to endpoints; `deliver`: attempt one delivery. */
export type WebhookMessage = { kind: 'dispatch' } | { kind: 'deliver'; deliveryId: string };

export interface WebhookQueue {
  /** Sends the messages, each hidden for `delaySeconds` (SQS rounds it up to whole seconds, at most 900). */
  send(messages: WebhookMessage[], delaySeconds?: number): Promise<void>;
}

export interface WebhookServices {
  queue: WebhookQueue;
  transport: WebhookTransport;
  /** Seconds between attempts after each failure (WEBHOOK_DELIVERY.retrySeconds unless a test shortens them). */
  retrySeconds: readonly number[];
  timeoutMs: number;
  leaseSeconds: number;
  /** Whether endpoints may be on loopback or private networks (local testing only). */
  allowPrivateNetworks: boolean;
}

export function encodeWebhookMessage(message: WebhookMessage): string {
  return JSON.stringify(message);
}

export function decodeWebhookMessage(body: string): WebhookMessage | undefined {
  try {
    const m = JSON.parse(body) as Partial<{ kind: string; deliveryId: string }>;
    if (m?.kind === 'dispatch') return { kind: 'dispatch' };
    if (m?.kind === 'deliver' && typeof m.deliveryId === 'string' && /^[0-9a-f-]{36}$/i.test(m.deliveryId)) return { kind: 'deliver', deliveryId: m.deliveryId };
  } catch {
    // not ours
  }
  return undefined;
}
