import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { guardedLookup, type Resolve } from './ssrf.js';

// Sending one webhook request: POST with a deadline, reading at most a small excerpt of the answer.

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface WebhookResponse {
  statusCode: number;
  /** The start of the response body (at most 256 characters), for the delivery log. */
  excerpt: string;
}

/** Sends one request; rejects on a network error, a refused address or the timeout. */
export type WebhookTransport = (request: WebhookRequest) => Promise<WebhookResponse>;

const EXCERPT_CHARS = 256;

export function httpWebhookTransport(options: { allowPrivateNetworks: boolean; resolve?: Resolve }): WebhookTransport {
  const lookup = guardedLookup(options.allowPrivateNetworks, options.resolve);
  // Connections are kept for the next delivery to the same receiver (each was checked by the guarded
  // lookup when it was opened), so a busy endpoint does not pay a new connection per event.
  const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 16 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 16 }) };
  return (req) =>
    new Promise((resolve, reject) => {
      const url = new URL(req.url);
      const secure = url.protocol === 'https:';
      const send = secure ? httpsRequest : httpRequest;
      const outgoing = send(url, { method: 'POST', headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) }, lookup: lookup as never, agent: secure ? agents.https : agents.http }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < EXCERPT_CHARS) text += chunk;
          else res.destroy();
        });
        const done = () => resolve({ statusCode: res.statusCode ?? 0, excerpt: text.slice(0, EXCERPT_CHARS) });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      });
      outgoing.setTimeout(req.timeoutMs, () => outgoing.destroy(new Error(`no answer within ${req.timeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(req.body);
    });
}
