export { createRecover, wasReported } from './recover.js';
export { sendErrorResponse } from './send.js';
export { accessLogLevel } from './access-log.js';
export { requestLogger } from './log.js';
export { currentJob, currentRequest, enableRequestContext } from './context.js';
export { guard } from './guard.js';
export { bindToRequest, watchEscapedErrors } from './process.js';
export { isDraining, readiness } from './drain.js';
export { normalize, ThrownValue, truncateBytes } from './normalize.js';
export { statusOf, statusText } from './status.js';
export { negotiate, renderBody, escapeHtml } from './render.js';
export { parseTraceparent, traceresponse } from './trace.js';
export { resolveOptions, defaultLevel, isLogger } from './options.js';
export { CLIENT_CLOSED_COUNTER, ERROR_COUNTER } from './telemetry.js';
export { CLIENT_CLOSED, isClientGone } from './client.js';
export { loggableUrl } from './report.js';

export type { Exchange, ErrorResponse, Recover } from './recover.js';
export type { RequestContext } from './context.js';
export type { DescribeRequest } from './process.js';
export type { Readiness } from './drain.js';
export type { GuardOptions } from './guard.js';
export type { SnapshotOptions } from './snapshot.js';
export type { LogLimit } from './storm.js';
export type { SerializedError, NormalizedError } from './normalize.js';
export type { RecoverReport, ReportRequest, ErrorOrigin, JobInfo } from './report.js';
export type { MediaKind, RenderedBody } from './render.js';
export type {
  RecoverOptions,
  ResolvedOptions,
  Logger,
  LogFn,
  LogLevel,
  ExposeFn,
  RenderFn,
  OnErrorHook,
  LevelFn,
  ProcessPolicy,
} from './options.js';
