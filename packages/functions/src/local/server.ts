import { randomUUID } from 'node:crypto';
import { maxHeaderSize, type Server, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { AppError } from '@parley/core';
import { errorBody, statusOf } from '../shared/errors.js';

/** The local server: the app on Node's HTTP server, with requests Node refuses answered in the error shape. */
export function serveLocal(options: { fetch: (request: Request) => Response | Promise<Response>; port: number; hostname: string }, onListening?: (info: AddressInfo) => void): ServerType {
  const server = serve(options, onListening);
  answerClientErrors(server as Server);
  return server;
}

/**
 * Node answers requests it cannot parse (a head over its size limit, a malformed request line) itself,
 * with an empty body, before the app sees them; here they get the API's error body instead.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const error =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new AppError('headers_too_large', `The request's headers are larger than the ${Math.floor(maxHeaderSize / 1024)} KB the server accepts`)
        : new AppError('bad_request', 'The request is not valid HTTP');
    const requestId = randomUUID();
    const status = statusOf(error.code);
    const body = JSON.stringify(errorBody(error, requestId));
    socket.end(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        'Content-Type: application/json; charset=UTF-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Request-Id: ${requestId}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  });
}
