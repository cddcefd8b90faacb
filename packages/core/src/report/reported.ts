import type { ServerResponse } from 'node:http';

// The last value reported on a response: an error that two layers see is logged once. A registered
// symbol, not a module-level map, so the ESM and CommonJS builds (and two copies of core) agree.
const kReported = Symbol.for('recover.reported');
type Marked = ServerResponse & { [kReported]?: { thrown: unknown } };

/**
 * Marks `thrown` as reported on this response; false when it already was, so it is published once. A
 * client that left after an error was reported on the response is that same event seen again (a pipeline
 * rejects, and the framework's onerror gets its own copy of the close): not published either.
 */
export function markReported(response: ServerResponse, thrown: unknown, clientGone: boolean): boolean {
  const previous = (response as Marked)[kReported];
  if (previous && (clientGone || Object.is(previous.thrown, thrown))) return false;
  (response as Marked)[kReported] = { thrown };
  return true;
}

/** True when recover has reported an error for this response (for access loggers such as pino-http). */
export function wasReported(response: ServerResponse): boolean {
  return (response as Marked)[kReported] !== undefined;
}
