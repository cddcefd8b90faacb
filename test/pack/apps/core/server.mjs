// The core README's example, a bare Node server that is its own adapter, and guard(), as an ES module.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { guard } from '@recover/core';
import { createRecover, readiness, sendErrorResponse } from '@recover/core/adapter';
import expectations from './expect.cjs';

function handle(request, response) {
  if (request.url === '/crash') throw new Error('connection refused: secret-db-password');
  const { status, body } = request.url === '/ready' ? readiness() : { status: 200, body: 'ok' };
  response.writeHead(status).end(body);
}

const recover = createRecover({ stackSize: 8192 });
const server = createServer((request, response) => {
  try {
    handle(request, response);
  } catch (thrown) {
    const answer = recover.handle(thrown, { request, response });
    if (answer) sendErrorResponse(response, answer); // undefined: headers were sent, response destroyed
  }
}).listen(0);
await once(server, 'listening');
await expectations.expectRecovered('core (ESM)', `http://127.0.0.1:${server.address().port}`);
await expectations.expectGuarded('core (ESM)', guard);
process.exit(0);
