// autocannon's setupClient (a file, as its worker threads require): each connection starts its cycle
// through the request list at its own random place, so connections do not move through it in step
// (for writes, that would queue them all behind one row's lock).
module.exports = function spreadRequests(client) {
  const requests = client.opts.requests;
  if (!Array.isArray(requests) || requests.length < 2) return;
  const start = Math.floor(Math.random() * requests.length);
  client.setRequests([...requests.slice(start), ...requests.slice(0, start)]);
};
