import { randomUUID } from 'node:crypto';
import express from 'express';
import createError from 'http-errors';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { accessLogLevel, recover } from '@recover/express';

const logger = pino({ name: 'example-express' });
const app = express();

app.use(
  pinoHttp({
    logger,
    genReqId: () => randomUUID(),
    quietReqLogger: true, // req.log binds only the request id; recover logs the request itself
    customLogLevel: accessLogLevel, // a crash recover reported is one error line, not two
    redact: ['req.headers.authorization', 'req.headers.cookie'],
  }),
);

app.get('/', (_req, res) => {
  res.json({ ok: true });
});
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
app.get('/widgets/:id', (req) => {
  throw createError(404, `No widget ${req.params.id}`);
});
app.get('/busy', () => {
  throw Object.assign(new Error('pool exhausted'), { statusCode: 503, headers: { 'Retry-After': '5' } });
});
app.get('/half-sent', (_req, res) => {
  res.write('{"items":[');
  throw new Error('cursor closed mid-stream');
});

app.get('/timer-crash', () => {
  // Escapes the request: no framework sees it. recover traces it back to this request and answers 500.
  setTimeout(() => {
    throw new Error('retry timer fired after the socket was released');
  }, 10);
});

app.use(recover()); // the one line: after the routes

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, '127.0.0.1', () => {
  logger.info({ port: server.address().port }, 'listening');
});
