// What the adapters (@recover/express, @recover/fastify, @recover/koa, or your own) need from core:
// `import { createRecover, sendErrorResponse } from '@recover/core/adapter'`. Users call `./index.ts`.
export { createRecover } from './recover.js';
export { requestLogger } from './logging/request-logger.js';
export { dropRepresentationHeaders, sendErrorResponse } from './response/send.js';
export { isAbort } from './response/abort.js';
export { droppedOnError } from './response/headers.js';
export { watchEscapedErrors } from './process/escaped.js';
export { currentRequest, enableRequestContext, watchNewServers } from './process/context.js';
export { enterHttp2Request } from './process/http2.js';
export { isDraining, readiness } from './process/drain.js';
export { isQuarantining, quarantined } from './process/quarantine.js';
export { ThrownValue } from './report/normalize.js';
export { callAndWatch, isPromiseLike } from './util/call-and-watch.js';
export { isStream } from './util/is-stream.js';
export { nodeRequire } from './util/node-require.js';

export type { StoppableServer } from './process/state.js';
export type { Claim, ClaimRequest, ErrorResponse, Exchange, Recover, RequestContext, RequestDetails, RequestMatcher, ResolvedOptions, Verdict } from './internal-types.js';
