// A webhook receiver in a process of its own, as a real one is: it answers 200 and notes when
// each request arrived, by its own clock and event loop (a receiver inside the test's process
// would stamp requests late whenever the dispatchers there keep that loop busy).
// GET /received returns [{ webhookId, receivedAt }]. Prints "listening on <url>" when ready.
import http from 'node:http';

const received = [];
const server = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/received') {
    response.writeHead(200, { 'content-type': 'application/json' });
    return response.end(JSON.stringify(received));
  }
  const receivedAt = Date.now();
  request.resume();
  request.on('end', () => {
    received.push({ webhookId: String(request.headers['webhook-id']), receivedAt });
    response.writeHead(200).end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`));
