import { CLIENT_CLOSED } from '../report/client-gone.js';
import type { RecoverReport } from '../types.js';
import { otelApi, type Counter, type MeterProvider, type OtelApi } from './otel.js';

/** Name of the counter every reported error increments. */
export const ERROR_COUNTER = 'recover.errors';
/** Name of the counter for requests whose client closed the connection (499): not errors of ours. */
export const CLIENT_CLOSED_COUNTER = 'recover.client_closed';
/** Name of the counter of route quarantines opened and closed (option `quarantine`), by `state`. */
export const QUARANTINE_COUNTER = 'recover.quarantine';

const counters = new Map<string, { provider: MeterProvider; counter: Counter }>();

/** Counts the report on `recover.errors`, or on `recover.client_closed` for a client that left. */
export function countReport(api: OtelApi, report: RecoverReport): void {
  const attributes = {
    'error.type': report.error.type,
    'http.response.status_code': report.status,
    'recover.error_class': report.errorClass,
    ...(report.request?.route === undefined ? {} : { 'http.route': report.request.route }),
    'recover.origin': report.origin,
    ...(report.job === undefined ? {} : { 'job.name': report.job.name }),
  };
  if (report.status === CLIENT_CLOSED) {
    counterFor(api, CLIENT_CLOSED_COUNTER, 'Requests whose client closed the connection before the answer.').add(1, attributes);
  } else {
    counterFor(api, ERROR_COUNTER, 'Errors reported by recover, by error type, route, status and origin.').add(1, attributes);
  }
}

/** Counts a route quarantine opening or closing. Throws only if the OpenTelemetry SDK throws. */
export function countQuarantine(state: 'open' | 'closed', method: string, route: string): void {
  const api = otelApi();
  if (!api) return;
  const attributes = { state, 'http.request.method': method, 'http.route': route };
  counterFor(api, QUARANTINE_COUNTER, 'Route quarantines opened and closed, by state, method and route.', '{transition}').add(1, attributes);
}

/** A counter, made again if the application registered a meter provider after our first use of it. */
function counterFor(api: OtelApi, name: string, description: string, unit = '{request}'): Counter {
  const provider = api.metrics.getMeterProvider();
  let entry = counters.get(name);
  if (entry?.provider !== provider) {
    entry = { provider, counter: provider.getMeter('@recover/core').createCounter(name, { description, unit }) };
    counters.set(name, entry);
  }
  return entry.counter;
}
