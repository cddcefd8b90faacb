// The Express README's snippets, type-checked as an application writes them.
import { EventEmitter } from 'node:events';
import express from 'express';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { accessLogLevel, bindToRequest, guard, ready, recover, type GuardOptions, type Logger, type RecoverOptions, type RecoverReport } from '@recover/express';

const logger: Logger = pino();
const options: RecoverOptions = { logger, stackSize: 8192, onError: (report: RecoverReport) => void report.status };
const app = express();
app.use(pinoHttp({ logger: pino(), quietReqLogger: true, customLogLevel: accessLogLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] }));
app.get('/ready', ready());
app.use(recover()); // after the routes
app.use(recover(options));

const pool = new EventEmitter();
pool.once('error', bindToRequest((err: unknown) => { throw err; }));
const jobOptions: GuardOptions = { logger };
const sweep = guard('sessions.sweep', async () => { await Promise.resolve(); }, jobOptions);
setInterval(() => void sweep(), 60_000).unref();
