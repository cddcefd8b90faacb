import type { ServerResponse } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import createError from 'http-errors';

/** One way a request handler can fail, and what a user must see because of it. */
export interface Scenario {
  /** Fails the way a handler would: by throwing, or by returning a rejected promise. */
  run(response: ServerResponse): unknown;
  /** Status the client receives. */
  status: number;
  /** `err.type` in the log line. */
  type: string;
  /** Text that must reach the log but never a 5xx body (messages, paths, credentials). */
  secret?: string;
  /** The message a 4xx `expose` error shows in the body. */
  detail?: string;
  /** Headers the error itself asks for (http-errors `headers`). */
  headers?: Record<string, string>;
  /** pino level of the log line. */
  level: number;
  /** `errorClass` of the log line (default `bug`). */
  errorClass?: 'transient' | 'bug' | 'corruption';
  /** The answer carries a jittered `Retry-After`: whole seconds in [5, 7] (option `retryAfter`, default 5). */
  retryAfter?: boolean;
  /** The response had started: the client must see it cut off, not completed. */
  headersSent?: boolean;
  /** Headers the application set before failing that the error answer keeps (CORS, security, cookies). */
  keptHeaders?: Record<string, string>;
  /** Headers the application set before failing that described the failed representation: dropped. */
  droppedHeaders?: string[];
  /** Extra assertions on the logged `err`. */
  checkErr?: (err: LoggedError) => void;
}

export interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  code?: string;
  cause?: LoggedError;
  aggregateErrors?: LoggedError[];
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

let closed: Promise<number> | undefined;
/** A loopback port nothing listens on: bound once, then closed. */
function closedPort(): Promise<number> {
  closed ??= new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => { resolve(port); });
    });
  });
  return closed;
}

function circular(): object {
  const value: Record<string, unknown> = { kind: 'loop', secretNote: 'circular secret' };
  value.self = value;
  return value;
}

function hostile(): object {
  return {
    get message(): string {
      throw new Error('getter ran');
    },
    toString(): string {
      throw new Error('toString ran');
    },
    note: 'hostile secret',
  };
}

export const scenarios = {
  'sync-throw': { run() { throw new Error('sync secret password=hunter2'); }, status: 500, type: 'Error', secret: 'hunter2', level: 50 },
  'async-reject': {
    async run() {
      await tick();
      throw new TypeError('async secret in /srv/app/internal/billing.js');
    },
    status: 500,
    type: 'TypeError',
    secret: '/srv/app/internal/billing.js',
    level: 50,
  },
  'throw-null': { run() { throw null; }, status: 500, type: 'null', level: 50 },
  'throw-string': { run() { throw 'string secret token=abc123'; }, status: 500, type: 'string', secret: 'token=abc123', level: 50 },
  'throw-plain': { run() { throw { code: 'E_PLAIN', note: 'plain secret' }; }, status: 500, type: 'Object', secret: 'plain secret', level: 50 },
  'throw-circular': {
    run() { throw circular(); },
    status: 500,
    type: 'Object',
    secret: 'circular secret',
    level: 50,
    checkErr: (err: LoggedError) => { if (!err.message.includes('[Circular]')) throw new Error(`no [Circular] in ${err.message}`); },
  },
  'throw-getter': {
    run() { throw hostile(); },
    status: 500,
    type: 'Object',
    secret: 'hostile secret',
    level: 50,
    checkErr: (err: LoggedError) => { if (err.message.includes('ran')) throw new Error(`a getter or toString ran: ${err.message}`); },
  },
  'cause-chain': {
    run() { throw new Error('outer failure', { cause: new RangeError('inner secret cause') }); },
    status: 500,
    type: 'Error',
    secret: 'inner secret cause',
    level: 50,
    checkErr: (err: LoggedError) => {
      if (err.cause?.type !== 'RangeError' || err.cause.message !== 'inner secret cause') throw new Error(`cause lost: ${JSON.stringify(err.cause)}`);
    },
  },
  'aggregate': {
    async run() {
      await tick();
      throw new AggregateError([new Error('first part'), new SyntaxError('second secret part')], 'many failed');
    },
    status: 500,
    type: 'AggregateError',
    secret: 'second secret part',
    level: 50,
    checkErr: (err: LoggedError) => {
      const types = err.aggregateErrors?.map((inner) => inner.type).join(',');
      if (types !== 'Error,SyntaxError') throw new Error(`aggregateErrors lost: ${types}`);
    },
  },
  'http-404': { run() { throw createError(404, 'No such widget'); }, status: 404, type: 'NotFoundError', detail: 'No such widget', level: 30 },
  'status-503': {
    run() { throw Object.assign(new Error('upstream secret at 10.0.0.7'), { statusCode: 503, headers: { 'Retry-After': '7' } }); },
    status: 503,
    type: 'Error',
    secret: '10.0.0.7',
    headers: { 'retry-after': '7' },
    level: 50,
  },
  'app-headers': {
    // Middleware set CORS and security headers, the handler began a gzip representation, then failed.
    run(response: ServerResponse) {
      response.setHeader('access-control-allow-origin', 'https://app.example');
      response.setHeader('strict-transport-security', 'max-age=31536000');
      response.setHeader('vary', 'Origin');
      response.setHeader('set-cookie', 'sid=1; HttpOnly');
      response.setHeader('content-encoding', 'gzip');
      response.setHeader('content-language', 'de');
      response.setHeader('etag', '"v1"');
      response.setHeader('last-modified', 'Mon, 30 Nov 2026 09:00:00 GMT');
      throw new Error('renderer secret failed');
    },
    status: 500,
    type: 'Error',
    secret: 'renderer secret',
    level: 50,
    keptHeaders: {
      'access-control-allow-origin': 'https://app.example',
      'strict-transport-security': 'max-age=31536000',
      vary: 'Origin',
    },
    droppedHeaders: ['content-encoding', 'content-language', 'etag', 'last-modified'],
  },
  'forged-lines': {
    // Attacker text that reached a message: CR/LF, a line separator and a fake log line.
    run() { throw new Error('bad input: x\r\n{"level":60,"msg":"forged"}\u2028<script>alert(1)</script>'); },
    status: 500,
    type: 'Error',
    secret: 'forged',
    level: 50,
  },
  'upstream-reset': {
    // ECONNRESET from a call the handler made, while the client still waits: not a client that left, but
    // a dependency's blip: 503, retry later.
    run() { throw Object.assign(new Error('socket hang up calling billing at 10.0.0.9'), { code: 'ECONNRESET' }); },
    status: 503,
    type: 'Error',
    secret: '10.0.0.9',
    level: 40,
    errorClass: 'transient',
    retryAfter: true,
  },
  'fetch-refused': {
    // A dependency that is down: undici's "fetch failed", with ECONNREFUSED in its cause.
    async run() { await fetch(`http://127.0.0.1:${await closedPort()}/internal/billing`); },
    status: 503,
    type: 'TypeError',
    level: 40,
    errorClass: 'transient',
    retryAfter: true,
    checkErr: (err: LoggedError) => { if (err.cause?.code !== 'ECONNREFUSED') throw new Error(`cause lost: ${JSON.stringify(err.cause)}`); },
  },
  'cause-refused': {
    run() { throw new Error('query secret failed on db-primary', { cause: { code: 'ECONNREFUSED' } }); },
    status: 503,
    type: 'Error',
    secret: 'db-primary',
    level: 40,
    errorClass: 'transient',
    retryAfter: true,
  },
  'transient-own-status': {
    // A transient error with a status of its own keeps it (and gets no Retry-After it did not ask for).
    run() { throw Object.assign(new Error('gateway secret timeout'), { statusCode: 504, code: 'ETIMEDOUT' }); },
    status: 504,
    type: 'Error',
    secret: 'gateway secret',
    level: 40,
    errorClass: 'transient',
  },
  'after-headers': {
    run(response: ServerResponse) {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('partial ');
      throw new Error('late secret after headers');
    },
    status: 200,
    type: 'Error',
    secret: 'late secret after headers',
    level: 50,
    headersSent: true,
  },
  'destroyed-mid-write': {
    // The socket is destroyed while the body is being written (a proxy timing out, a write error), then the handler throws.
    run(response: ServerResponse) {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('partial ');
      response.socket?.destroy();
      throw new Error('cursor secret lost mid-write');
    },
    status: 200,
    type: 'Error',
    secret: 'cursor secret',
    level: 50,
    headersSent: true,
  },
  'destroyed-before-answer': {
    // Nothing was written and the socket is already gone when recover goes to answer: it must not write or crash.
    run(response: ServerResponse) {
      response.socket?.destroy();
      throw new Error('handler secret after the socket died');
    },
    status: 500,
    type: 'Error',
    secret: 'handler secret',
    level: 50,
    headersSent: true,
  },
} satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof scenarios;

export function runScenario(name: string, response: ServerResponse): unknown {
  const scenario = (scenarios as Record<string, Scenario>)[name];
  if (!scenario) throw createError(400, `unknown scenario ${name}`);
  return scenario.run(response);
}

/** Streams a long body slowly; a client that hangs up makes the pipeline reject, as real streaming code does. */
export async function streamSlowly(response: ServerResponse): Promise<void> {
  async function* chunks() {
    for (let i = 0; i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      yield `chunk ${i}\n`;
    }
  }
  response.writeHead(200, { 'content-type': 'text/plain' });
  await pipeline(Readable.from(chunks()), response);
}
