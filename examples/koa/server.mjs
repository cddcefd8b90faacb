import Router from '@koa/router';
import createError from 'http-errors';
import Koa from 'koa';
import { pino } from 'pino';
import { recover } from '@recover/koa';

const logger = pino({ name: 'example-koa' });
const app = new Koa();

app.use(recover({ logger })); // the one line: first in the stack, so it wraps everything below

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
app.use(router.routes());

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  logger.info({ port: server.address().port }, 'listening');
});
