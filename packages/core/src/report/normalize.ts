import { types } from 'node:util';
import type { ErrorTraits, NormalizedError } from '../internal-types.js';
import type { SerializedError } from '../types.js';
import { STATUS_PROPERTIES } from './library-errors.js';

/**
 * Carries a falsy value (`throw null`, `throw undefined`, `throw ''`) through frameworks that treat a falsy
 * error as "no error". Normalising it reports the original value.
 */
export class ThrownValue extends Error {
  readonly value: unknown;
  constructor(value: unknown) {
    super('non-error thrown');
    this.name = 'ThrownValue';
    this.value = value;
    // A brand, not `instanceof`: the ESM and CommonJS builds each have their own class.
    Object.defineProperty(this, kThrownValue, { value: true });
  }
}

const kThrownValue = Symbol.for('recover.thrownValue');

function unbox(thrown: unknown): unknown {
  // Checked without `instanceof`, which would run a Proxy's getPrototypeOf trap.
  if (!isInspectable(thrown) || ownData(thrown, kThrownValue) !== true) return thrown;
  return ownData(thrown, 'value');
}

const MAX_MESSAGE = 8 * 1024;
const MAX_CAUSES = 8;
const MAX_AGGREGATE = 16;
const MAX_PREVIEW = 512;
const MAX_PROTO_DEPTH = 16;

/**
 * Turns any thrown value into a `NormalizedError`. It never throws and never runs user code:
 * only data properties are read, so getters, `toString`, `toJSON` and Proxy traps stay untouched.
 */
export function normalize(thrown: unknown, stackSize = 4096): NormalizedError {
  try {
    const value = unbox(thrown);
    const seen = new Set<object>();
    const { error, traits } = serialize(value, stackSize, seen, 0);
    if (!isInspectable(value)) return { error, traits, status: undefined, expose: undefined, headers: undefined };
    const expose = readData(value, 'expose');
    return {
      error,
      traits,
      status: readStatus(value),
      expose: typeof expose === 'boolean' ? expose : undefined,
      headers: readHeaders(readData(value, 'headers')),
    };
  } catch {
    // Only reachable through a V8 limit such as a stack overflow: still report something.
    return {
      error: { type: 'unknown', message: 'thrown value could not be read' },
      traits: noTraits('unknown'),
      status: undefined,
      expose: undefined,
      headers: undefined,
    };
  }
}

/** The first of the status properties libraries use that holds an integer. */
function readStatus(value: object): number | undefined {
  for (const key of STATUS_PROPERTIES) {
    const status = readData(value, key);
    if (Number.isInteger(status)) return status as number;
  }
  return undefined;
}

/** One value of the chain, read: its log shape and what classification needs of it. */
interface Read {
  error: SerializedError;
  traits: ErrorTraits;
}

function serialize(value: unknown, stackSize: number, seen: Set<object>, depth: number): Read {
  if (!isInspectable(value)) return withoutTraits(primitive(value));
  if (seen.has(value)) return withoutTraits({ type: 'Circular', message: '[Circular]' });
  seen.add(value);

  if (isDomException(value)) {
    const error = domException(value, stackSize);
    return { error, traits: { ...noTraits(error.type), name: error.type } };
  }
  const message = readData(value, 'message');
  const type = typeName(value);
  const traits = traitsOf(value, type);
  if (!isErrorLike(value) && typeof message !== 'string') {
    return { error: { type, message: bound(`non-error thrown: ${preview(value)}`, MAX_MESSAGE) }, traits };
  }

  const result: SerializedError = {
    type,
    message: typeof message === 'string' ? bound(message, MAX_MESSAGE) : '',
    stack: undefined,
    code: traits.code,
    cause: undefined,
    aggregateErrors: undefined,
  };
  const stack = stackSize > 0 ? readStack(value) : undefined;
  if (typeof stack === 'string') result.stack = truncateBytes(stack, stackSize);
  if (depth < MAX_CAUSES && hasData(value, 'cause')) {
    const cause = serialize(readData(value, 'cause'), stackSize, seen, depth + 1);
    result.cause = cause.error;
    traits.cause = cause.traits;
  }
  const errors = readData(value, 'errors');
  if (Array.isArray(errors) && depth < MAX_CAUSES) {
    const inner = errors.slice(0, MAX_AGGREGATE).map((each) => serialize(each, stackSize, seen, depth + 1));
    result.aggregateErrors = inner.map((read) => read.error);
    traits.errors = inner.map((read) => read.traits);
  }
  return { error: result, traits };
}

/** The data properties classification reads (report/classify.ts): `name`, `code` and the error's own flags. */
function traitsOf(value: object, type: string): ErrorTraits {
  const name = readData(value, 'name');
  const code = readData(value, 'code');
  return {
    type,
    name: typeof name === 'string' ? bound(name, 128) : undefined,
    code: typeof code === 'string' || typeof code === 'number' ? bound(String(code), 128) : undefined,
    transient: readData(value, 'transient') === true || readData(value, 'retryable') === true,
    corruption: readData(value, 'corruption') === true,
    cause: undefined,
    errors: undefined,
  };
}

/** The traits of a value that says nothing classification reads. */
export function noTraits(type: string): ErrorTraits {
  return { type, name: undefined, code: undefined, transient: false, corruption: false, cause: undefined, errors: undefined };
}

function withoutTraits(error: SerializedError): Read {
  return { error, traits: noTraits(error.type) };
}

/** `instanceof DOMException`, walked by hand: `instanceof` would run a Proxy prototype's trap. */
function isDomException(value: object): value is DOMException {
  return typeof DOMException === 'function' && inherits(value, DOMException.prototype);
}

function inherits(value: object, ancestor: object): boolean {
  let proto = safeProto(value);
  for (let i = 0; proto !== null && i < MAX_PROTO_DEPTH; i++) {
    if (proto === ancestor) return true;
    proto = safeProto(proto);
  }
  return false;
}

/**
 * DOMException (AbortError, TimeoutError from fetch and AbortSignal) keeps `name` and `message` behind
 * built-in getters, which are safe to call; its `name` says more than its constructor, so it is the type.
 */
function domException(value: DOMException, stackSize: number): SerializedError {
  let type = 'DOMException';
  let message = '';
  try {
    type = bound(value.name, 128) || type;
    message = bound(value.message, MAX_MESSAGE);
  } catch {
    // not a real DOMException after all
  }
  const stack = readStack(value);
  return { type, message, stack: typeof stack === 'string' && stackSize > 0 ? truncateBytes(stack, stackSize) : undefined };
}

function primitive(value: unknown): SerializedError {
  const type = value === null ? 'null' : typeof value;
  switch (typeof value) {
    case 'string':
      return { type, message: bound(value, MAX_MESSAGE) };
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'symbol':
      return { type, message: `non-error thrown: ${String(value)}` };
    default:
      // null, undefined, and Proxies (which we never inspect)
      return { type: types.isProxy(value) ? 'Proxy' : type, message: `non-error thrown: ${types.isProxy(value) ? 'Proxy' : type}` };
  }
}

/** Objects and functions we may read properties of; Proxies are left alone so no trap runs. */
function isInspectable(value: unknown): value is object {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && !types.isProxy(value);
}

function isErrorLike(value: object): boolean {
  // isNativeError: also errors from other realms (vm, workers)
  return types.isNativeError(value) || inherits(value, Error.prototype);
}

/** The constructor's name for class instances, else the `name` data property, else `typeof`. */
function typeName(value: object): string {
  if (typeof value === 'function') return 'function';
  const ctor = readData(value, 'constructor');
  if (typeof ctor === 'function') {
    const name = ownData(ctor, 'name');
    if (typeof name === 'string' && name !== '') return bound(name, 128);
  }
  const name = readData(value, 'name');
  return typeof name === 'string' && name !== '' ? bound(name, 128) : 'Object';
}

// Node 20 stores `stack` as a data property; from Node 21 (V8 12) it is an own accessor whose getter is one
// built-in function shared by every error of a realm. That getter, and only that one, is safe to call.
// eslint-disable-next-line @typescript-eslint/unbound-method -- kept for its identity; called with .call(error)
const V8_STACK_GETTER: unknown = Object.getOwnPropertyDescriptor(new Error(), 'stack')?.get;
const NATIVE = /^function \(\) \{ \[native code\] \}$/;

/** An error's stack: a data property, or V8's own stack getter (also another realm's). No user getter runs. */
function readStack(value: object): unknown {
  const descriptor = safeDescriptor(value, 'stack');
  if (!descriptor) return readData(value, 'stack');
  if ('value' in descriptor) return descriptor.value;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- checked, then called with .call(value)
  const getter: unknown = descriptor.get;
  if (typeof getter !== 'function' || !isV8StackGetter(getter)) return undefined;
  try {
    return (getter as (this: object) => unknown).call(value);
  } catch {
    return undefined;
  }
}

function isV8StackGetter(getter: object): boolean {
  if (getter === V8_STACK_GETTER) return true;
  if (types.isProxy(getter)) return false;
  // Another realm's copy: native, and nameless (a bound function is native too, but named "bound …").
  try {
    return ownData(getter, 'name') === '' && NATIVE.test(Function.prototype.toString.call(getter));
  } catch {
    return false;
  }
}

/** A data property found on the object or its prototype chain. Accessors are skipped: no getter runs. */
function readData(value: object, key: string): unknown {
  let target: object | null = value;
  for (let i = 0; target !== null && i < MAX_PROTO_DEPTH; i++) {
    // Most keys asked for are absent (an error rarely has `status` or `corruption`): `hasOwn` answers that
    // without building a descriptor. It runs no code of a non-Proxy object, and no Proxy gets this far.
    if (Object.hasOwn(target, key)) {
      const descriptor = safeDescriptor(target, key);
      return descriptor && 'value' in descriptor ? descriptor.value : undefined;
    }
    target = safeProto(target);
  }
  return undefined;
}

function ownData(value: object, key: string | symbol): unknown {
  const descriptor = safeDescriptor(value, key);
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
}

function hasData(value: object, key: string): boolean {
  const descriptor = safeDescriptor(value, key);
  return descriptor !== undefined && 'value' in descriptor;
}

function safeDescriptor(value: object, key: string | symbol): PropertyDescriptor | undefined {
  try {
    return Object.getOwnPropertyDescriptor(value, key);
  } catch {
    return undefined;
  }
}

/** The prototype, unless it (or the object) is a Proxy: the walk up the chain stops before any trap. */
function safeProto(value: object): object | null {
  try {
    if (types.isProxy(value)) return null;
    const proto = Object.getPrototypeOf(value) as object | null;
    return proto !== null && types.isProxy(proto) ? null : proto;
  } catch {
    return null;
  }
}

function readHeaders(value: unknown): Record<string, string> | undefined {
  if (!isInspectable(value)) return undefined;
  const headers: Record<string, string> = {};
  let found = false;
  for (const key of safeKeys(value).slice(0, 32)) {
    const header = ownData(value, key);
    if (typeof header === 'string' || typeof header === 'number') {
      headers[key] = String(header);
      found = true;
    }
  }
  return found ? headers : undefined;
}

function safeKeys(value: object): string[] {
  try {
    return Object.keys(value);
  } catch {
    return [];
  }
}

/** A short JSON-like view of a thrown object, built from own enumerable data properties only. */
function preview(value: object): string {
  const seen = new Set<object>();
  const out = previewValue(value, seen, 0);
  return bound(out, MAX_PREVIEW);
}

function previewValue(value: unknown, seen: Set<object>, depth: number): string {
  if (typeof value === 'string') return JSON.stringify(bound(value, 128));
  if (!isInspectable(value)) return types.isProxy(value) ? '[Proxy]' : String(value);
  if (typeof value === 'function') return '[Function]';
  if (seen.has(value)) return '[Circular]';
  if (depth >= 2) return Array.isArray(value) ? '[Array]' : '[Object]';
  seen.add(value);
  const keys = safeKeys(value).slice(0, 16);
  const parts = keys.map((key) => {
    const descriptor = safeDescriptor(value, key);
    const shown = descriptor && 'value' in descriptor ? previewValue(descriptor.value, seen, depth + 1) : '[Getter]';
    return Array.isArray(value) ? shown : `${JSON.stringify(key)}:${shown}`;
  });
  return Array.isArray(value) ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
}

function bound(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[${text.length - max} more chars]`;
}

/**
 * Cuts text to at most `maxBytes` UTF-8 bytes, the marker naming the cut included, so a logged stack is
 * never longer than `stackSize`. Cuts on a character boundary: a partial sequence would decode as U+FFFD.
 */
export function truncateBytes(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text; // cannot exceed: skip the byte count
  const bytes = Buffer.byteLength(text);
  if (bytes <= maxBytes) return text;
  // A marker counting all bytes has at least as many digits as the real count, so this room is safe.
  const room = maxBytes - Buffer.byteLength(marker(bytes));
  if (room <= 0) return cutBytes(text, maxBytes); // too small a budget for a marker
  const kept = cutBytes(text, room);
  return kept + marker(bytes - Buffer.byteLength(kept));
}

function marker(cutBytesCount: number): string {
  return `\n    …[truncated ${cutBytesCount} bytes]`;
}

function cutBytes(text: string, maxBytes: number): string {
  const cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8');
  return cut.endsWith('\uFFFD') && !text.startsWith(cut) ? cut.slice(0, -1) : cut;
}
