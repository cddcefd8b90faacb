import { createServer } from 'node:net';
import Router from '@koa/router';
import createError from 'http-errors';
import Koa from 'koa';
import { pino } from 'pino';
import { recover } from '@recover/koa';

// A loopback port nothing listens on (bound at startup, then closed): the inventory service that is down.
const downPort = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

const logger = pino({ name: 'example-koa' });
const app = new Koa();

// The one line: first in the stack, so it wraps everything below. A 2 s quarantine (the default is 30 s)
// so the demo sees a quarantined route return.
app.use(recover({ logger, quarantine: { cooldown: 2_000 } }));

const router = new Router();
router.get('/', (ctx) => {
  ctx.body = { ok: true };
});
router.get('/crash', () => {
  throw new Error('connection to db-primary:5432 refused (password=hunter2)');
});
router.get('/async-crash', async () => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  throw new TypeError("Cannot read properties of undefined (reading 'id')");
});
router.get('/throw-null', () => {
  throw null;
});
router.get('/widgets/:id', (ctx) => {
  throw createError(404, `No widget ${ctx.params.id}`);
});
router.get('/busy', () => {
  throw Object.assign(new Error('pool exhausted'), { statusCode: 503, headers: { 'Retry-After': '5' } });
});
router.get('/half-sent', (ctx) => {
  ctx.res.writeHead(200, { 'content-type': 'application/json' });
  ctx.res.write('{"items":[');
  throw new Error('cursor closed mid-stream');
});
router.get('/timer-crash', async () => {
  // Escapes the request: no framework sees it. recover traces it back to this request and answers 500.
  setTimeout(() => {
    throw new Error('retry timer fired after the socket was released');
  }, 10);
  await new Promise(() => {}); // waits for a reply that never comes
});
// A dependency that is down: a transient error, answered 503 with Retry-After.
router.get('/upstream', async (ctx) => {
  const response = await fetch(`http://127.0.0.1:${downPort}/inventory`);
  ctx.body = await response.json();
});
// Escapes its request the first three times (a cache refresh in a timer), then works: the third escape
// quarantines the route, which answers 503 without running until the cooldown is over.
let flakyFailures = 0;
router.get('/flaky', async (ctx) => {
  if (flakyFailures >= 3) {
    ctx.body = { ok: true };
    return;
  }
  flakyFailures += 1;
  setTimeout(() => {
    throw new Error('cache refresh failed after the handler returned');
  }, 10);
  await new Promise(() => {}); // waits for a reply that never comes
});
app.use(router.routes());

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  logger.info({ port: server.address().port }, 'listening');
});
