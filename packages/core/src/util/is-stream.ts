import type { EventEmitter } from 'node:events';

/** A readable stream as frameworks treat a body: an emitter that can be piped (duck-typed, any stream library). */
export function isStream(value: unknown): value is EventEmitter & { pipe: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function' && typeof (value as { once?: unknown }).once === 'function';
}
