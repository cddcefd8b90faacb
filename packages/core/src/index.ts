// What users of recover call. The adapters' interface is apart, in `@recover/core/adapter`.
export { guard } from './guard.js';
export { bindToRequest } from './process/escaped.js';
export { currentJob } from './process/context.js';
export { accessLogLevel } from './logging/access-log.js';
export { defaultLevel } from './logging/levels.js';
export { classifyError } from './report/classify.js';
export { wasReported } from './report/reported.js';
export { renderBody } from './response/render.js';
export { CLIENT_CLOSED_COUNTER, ERROR_COUNTER, QUARANTINE_COUNTER } from './telemetry/counter.js';

export type {
  ClassifyFn,
  ErrorClass,
  ErrorOrigin,
  ExposeFn,
  GuardOptions,
  JobInfo,
  LevelFn,
  LogFn,
  LogLevel,
  Logger,
  MediaKind,
  OnErrorHook,
  ProcessPolicy,
  QuarantineOptions,
  Readiness,
  RecoverOptions,
  RecoverReport,
  RenderFn,
  RenderedBody,
  ReportRequest,
  SerializedError,
} from './types.js';
