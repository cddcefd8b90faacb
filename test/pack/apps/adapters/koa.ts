// The Koa README's snippets, type-checked as an application writes them.
import Router from '@koa/router';
import Koa from 'koa';
import { pinoHttp } from 'pino-http';
import { accessLogLevel, bindToRequest, guard, ready, recover, type RecoverOptions } from '@recover/koa';

const app = new Koa();
app.use(recover()); // first, so it wraps everything below it
const middleware: Koa.Middleware = recover({ stackSize: 0 } satisfies RecoverOptions);
app.use(middleware);
const httpLogger = pinoHttp({ quietReqLogger: true, customLogLevel: accessLogLevel });
app.use(async (ctx, next) => {
  httpLogger(ctx.req, ctx.res);
  await next();
});
const router = new Router();
router.get('/ready', ready());
app.use(router.routes());

const listener = bindToRequest((err: unknown) => { throw err; });
const job = guard('cache.warm', async () => { await Promise.resolve(); });
void listener;
void job();
