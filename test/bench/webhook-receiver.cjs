// The events bench's webhook receiver, run in a worker thread of its own: a customer's receiver runs on
// its own machine, so its work must not take turns with the API server's event loop. It answers 204 to
// every delivery and keeps, per `message.created` event id, the time from the event's timestamp to receipt.
// It posts `{ port }` once listening and answers a 'collect' message with `{ latencies: [[id, ms], ...] }`.
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');

const latencies = new Map();
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const received = Date.now();
    try {
      const event = JSON.parse(body);
      if (event.type === 'message.created' && !latencies.has(event.id)) latencies.set(event.id, received - Date.parse(event.timestamp));
    } catch {
      // not an event: counted as nothing
    }
    res.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'collect') parentPort.postMessage({ latencies: [...latencies] });
  if (message === 'close') server.close(() => parentPort.close());
});
