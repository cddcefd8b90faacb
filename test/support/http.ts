import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Running {
  url: string;
  server: Server;
  close: () => Promise<void>;
}

/** A framework's request listener: Express's app, Koa's `app.callback()` (whose promise never rejects). */
export type Listener = (request: IncomingMessage, response: ServerResponse) => unknown;

/** Starts a real server on an ephemeral loopback port; `close` also drops open connections. */
export function listen(target: Server | Listener): Promise<Running> {
  const server =
    typeof target === 'function'
      ? createServer((request, response) => {
          void target(request, response);
        })
      : target;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        server,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => {
              done();
            });
          }),
      });
    });
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** True when the server broke the connection before the response completed (status 0 if before headers). */
  broken: boolean;
}

/**
 * One HTTP request over a real socket. Unlike fetch, it reports a response whose body was cut off
 * (status and headers arrived, then the socket was destroyed) instead of throwing it away.
 */
export function send(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { connection: 'close', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = (broken: boolean) => {
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), broken });
      };
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish(!res.complete));
      res.on('aborted', () => finish(true));
      res.on('error', () => finish(true));
      res.on('close', () => finish(!res.complete));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no response from ${url} within 5 s`)));
    // A connection reset before any response arrived is also a broken response; only a timeout is a failure.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') resolve({ status: 0, headers: {}, body: '', broken: true });
      else reject(error);
    });
    req.end();
  });
}

/** Requests `url`, reads the first chunk of the body, then hangs up: a client that went away. */
export function abortAfterFirstChunk(url: string, headers: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
    req.end();
  });
}
