// An Express app as a user ships it bundled (esbuild, webpack, ncc): express, recover and pino inlined
// into one file, run where no node_modules can be reached. Built by bundle.test.ts, not run directly.
// env: EXPRESS=4|5, WRAPPED=1 (the server calls the app through a function of its own).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import express4 from 'express4';
import { pino } from 'pino';
import { recover } from '@recover/express';

const logger = pino(pino.destination({ dest: 1, sync: true }));
const app = (process.env.EXPRESS === '4' ? express4 : express)();
app.get('/ok', (_req, res) => { res.json({ ok: true }); });
app.get('/null', () => { throw null; });
app.get('/sync', () => { throw new Error('sync handler failed'); });
app.get('/async', async () => {
  await new Promise((resolve) => setImmediate(resolve));
  throw new Error('async handler failed');
});
app.get('/timer', () => { setTimeout(() => { throw new Error('timer escaped'); }, 5); });
app.use(recover({ logger }));

const server = process.env.WRAPPED === '1'
  ? createServer((request: IncomingMessage, response: ServerResponse) => { app(request, response); })
  : createServer(app);
server.listen(0, '127.0.0.1', () => { logger.info({ port: (server.address() as AddressInfo).port }, 'listening'); });
