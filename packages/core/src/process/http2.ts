// HTTP/2 requests get their async context here: Node publishes no `http.server.request.start` for them
// (and the `http2.server.stream.start` channel of Node ≥ 22.17 carries neither request nor response, and
// leaks its store into the session's next stream on Node 22). recover wraps each HTTP/2 server's
// `emit('request')` instead, learning of the server when it starts to listen. HTTP/1.1 pays nothing.
import { subscribe } from 'node:diagnostics_channel';
import type { Http2SecureServer, Http2Server, Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from 'node:http2';
import type { RequestContext } from '../internal-types.js';
import { state } from './state.js';

type Http2AnyServer = Http2Server | Http2SecureServer;

/** Adopts every HTTP/2 server that starts listening from now on (once per process). */
export function watchHttp2Servers(): void {
  subscribe('tracing:net.server.listen:asyncStart', (message) => {
    const server = (message as { server?: unknown }).server;
    // Only HTTP/2 servers have updateSettings; http and https servers are entered by their own channel.
    if (typeof (server as { updateSettings?: unknown } | undefined)?.updateSettings === 'function') adoptHttp2Server(server as Http2AnyServer);
  });
}

/**
 * Makes every HTTP/2 request of `server` run in its own async context, and keeps its sessions for a
 * restart's GOAWAY. `run`, not `enterWith`: the store ends with the request's own work.
 */
export function adoptHttp2Server(server: Http2AnyServer): void {
  if (state.http2.has(server)) return;
  const sessions = new Set<ServerHttp2Session>();
  state.http2.set(server, sessions);
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    if (state.draining) session.close();
  });
  const emit = server.emit.bind(server) as (event: string | symbol, ...args: unknown[]) => boolean;
  server.emit = function emitInRequestContext(event: string | symbol, ...args: unknown[]): boolean {
    const [request, response] = args as [Http2ServerRequest | undefined, Http2ServerResponse | undefined];
    // An allowHTTP1 request has no stream: http.server.request.start has entered it already.
    if (event !== 'request' || request?.stream === undefined) return emit(event, ...args);
    const context = { request, response, server } as unknown as RequestContext;
    return state.requests.run(context, () => emit(event, ...args));
  } as typeof server.emit;
}

/**
 * For an HTTP/2 request the adapter sees before any context was entered (its server started listening
 * before recover was set up): adopt the server and enter the request's context now. A bare property read
 * for HTTP/1.1 requests, which have no `stream`.
 */
export function enterHttp2Request(request: unknown, response: unknown): void {
  const stream = (request as Partial<Http2ServerRequest>).stream;
  if (stream === undefined || state.requests.getStore()?.request === request) return;
  const session = stream.session as ServerHttp2Session | undefined;
  if (session) {
    adoptHttp2Server(session.server);
    state.http2.get(session.server)?.add(session);
  }
  state.requests.enterWith({ request, response } as unknown as RequestContext);
}
