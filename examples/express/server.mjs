import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import express from 'express';
import createError from 'http-errors';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { accessLogLevel, recover } from '@recover/express';

// A loopback port nothing listens on (bound at startup, then closed): the inventory service that is down.
const downPort = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

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

// A dependency that is down: a transient error, answered 503 with Retry-After.
app.get('/upstream', async (_req, res) => {
  const response = await fetch(`http://127.0.0.1:${downPort}/inventory`);
  res.json(await response.json());
});

// Escapes its request the first three times (a cache refresh in a timer), then works: the third escape
// quarantines the route, which answers 503 without running until the cooldown is over.
let flakyFailures = 0;
app.get('/flaky', (_req, res) => {
  if (flakyFailures >= 3) {
    res.json({ ok: true });
    return;
  }
  flakyFailures += 1;
  setTimeout(() => {
    throw new Error('cache refresh failed after the handler returned');
  }, 10);
});

// The one line: after the routes. A 2 s quarantine (the default is 30 s) so the demo sees the route return.
app.use(recover({ quarantine: { cooldown: 2_000 } }));

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, '127.0.0.1', () => {
  logger.info({ port: server.address().port }, 'listening');
});
