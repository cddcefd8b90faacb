import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { RecoverOptions } from '@recover/core';
import { startApp, type Framework } from './frameworks.js';
import type { Running } from './http.js';
import { runScenario, streamSlowly } from './scenarios.js';

export { frameworks, type Framework } from './frameworks.js';
export type { Running } from './http.js';

/** Header that makes the test server open an active SDK span around the request, as HTTP instrumentation would. */
export const START_SPAN = 'x-test-start-span';

/** Wraps a request listener in an active server span when asked, the way @opentelemetry/instrumentation-http does. */
function withServerSpan(listener: RequestListener): RequestListener {
  const tracer = trace.getTracer('conformance');
  return (request: IncomingMessage, response: ServerResponse) => {
    if (request.headers[START_SPAN] === undefined) return listener(request, response);
    tracer.startActiveSpan(`${request.method ?? 'GET'} server`, (span) => {
      response.on('close', () => span.end());
      listener(request, response);
    });
  };
}

/**
 * Starts a real server of `framework` on a loopback port with the one-line recover set-up and the shared
 * routes: `/ok`, `/case/:name` (see scenarios.ts) and `/stream`. Express and Koa get `logger` through
 * recover's option; Fastify through its own `loggerInstance`, so recover's default (`request.log`) is exercised.
 */
export function startServer(framework: Framework, logger: Logger, options: RecoverOptions = {}): Promise<Running> {
  return startApp(framework, {
    logger,
    options,
    wrap: withServerSpan,
    routes: [
      { path: '/ok', json: () => ({ ok: true }) },
      { path: '/case/:name', raw: (_request, response, params) => runScenario(params.name ?? '', response) },
      { path: '/stream', raw: (_request, response) => streamSlowly(response) },
    ],
  });
}
