// The core README's example and guard(), as CommonJS.
const { once } = require('node:events');
const { createServer } = require('node:http');
const { guard } = require('@recover/core');
const { createRecover, readiness, sendErrorResponse } = require('@recover/core/adapter');
const { expectGuarded, expectRecovered } = require('./expect.cjs');

function handle(request, response) {
  if (request.url === '/crash') throw new Error('connection refused: secret-db-password');
  const { status, body } = request.url === '/ready' ? readiness() : { status: 200, body: 'ok' };
  response.writeHead(status).end(body);
}

async function main() {
  const recover = createRecover({ stackSize: 8192 });
  const server = createServer((request, response) => {
    try {
      handle(request, response);
    } catch (thrown) {
      const answer = recover.handle(thrown, { request, response });
      if (answer) sendErrorResponse(response, answer);
    }
  }).listen(0);
  await once(server, 'listening');
  await expectRecovered('core (CJS)', `http://127.0.0.1:${server.address().port}`);
  await expectGuarded('core (CJS)', guard);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
