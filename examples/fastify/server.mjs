import { createServer } from 'node:net';
import Fastify from 'fastify';
import createError from 'http-errors';
import recover from '@recover/fastify';

// A loopback port nothing listens on (bound at startup, then closed): the inventory service that is down.
const downPort = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

const app = Fastify({ logger: { name: 'example-fastify' } });

// The one line: recover answers every error of the app. A 2 s quarantine (the default is 30 s) so the demo
// sees a quarantined route return.
await app.register(recover, { quarantine: { cooldown: 2_000 } });

app.get('/', async () => ({ ok: true }));
app.get('/crash', () => {
  throw new Error('connection to db-primary:5432 refused (password=hunter2)');
});
app.get('/async-crash', async () => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  throw new TypeError("Cannot read properties of undefined (reading 'id')");
});
app.get('/throw-null', () => {
  throw null;
});
app.get('/widgets/:id', (request) => {
  throw createError(404, `No widget ${request.params.id}`);
});
app.get('/busy', () => {
  throw Object.assign(new Error('pool exhausted'), { statusCode: 503, headers: { 'Retry-After': '5' } });
});
app.get('/half-sent', (_request, reply) => {
  reply.raw.writeHead(200, { 'content-type': 'application/json' });
  reply.raw.write('{"items":[');
  throw new Error('cursor closed mid-stream');
});

app.get('/timer-crash', (_request, reply) => {
  // Escapes the request: no framework sees it. recover traces it back to this request and answers 500.
  setTimeout(() => {
    throw new Error('retry timer fired after the socket was released');
  }, 10);
  return reply;
});

// A dependency that is down: a transient error, answered 503 with Retry-After.
app.get('/upstream', async () => {
  const response = await fetch(`http://127.0.0.1:${downPort}/inventory`);
  return response.json();
});

// Escapes its request the first three times (a cache refresh in a timer), then works: the third escape
// quarantines the route, which answers 503 without running until the cooldown is over.
let flakyFailures = 0;
app.get('/flaky', (_request, reply) => {
  if (flakyFailures >= 3) return { ok: true };
  flakyFailures += 1;
  setTimeout(() => {
    throw new Error('cache refresh failed after the handler returned');
  }, 10);
  return reply;
});

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
app.log.info({ port: Number(new URL(address).port) }, 'listening');
