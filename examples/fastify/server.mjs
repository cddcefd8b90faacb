import Fastify from 'fastify';
import createError from 'http-errors';
import recover from '@recover/fastify';

const app = Fastify({ logger: { name: 'example-fastify' } });

await app.register(recover); // the one line: recover answers every error of the app

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

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
app.log.info({ port: Number(new URL(address).port) }, 'listening');
