import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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
  return (req) =>
    new Promise((resolve, reject) => {
      const url = new URL(req.url);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      // One connection per request (each checked by the guarded lookup), and a deadline for the whole
      // exchange: the socket's idle timeout alone would let a receiver that trickles bytes hold a delivery.
      let settled = false;
      const deadline = setTimeout(() => {
        const err = new Error(`no answer within ${req.timeoutMs} ms`);
        outgoing.destroy(err);
        finish(() => reject(err));
      }, req.timeoutMs);
      deadline.unref();
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        settle();
      };
      const outgoing = send(url, { method: 'POST', headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) }, lookup: lookup as never, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < EXCERPT_CHARS) text += chunk;
          else res.destroy();
        });
        const done = () => finish(() => resolve({ statusCode: res.statusCode ?? 0, excerpt: text.slice(0, EXCERPT_CHARS) }));
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      });
      outgoing.setTimeout(req.timeoutMs, () => outgoing.destroy(new Error(`no answer within ${req.timeoutMs} ms`)));
      outgoing.on('error', (err) => finish(() => reject(err)));
      outgoing.end(req.body);
    });
}
