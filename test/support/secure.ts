import { connect, type ClientHttp2Session } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import selfsigned from 'selfsigned';
import type { RawResponse } from './http.js';

/** A self-signed certificate for 127.0.0.1, made for this test run. */
export async function makeCertificate(): Promise<{ key: string; cert: string }> {
  const made = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    notAfterDate: new Date(Date.now() + 24 * 3_600_000),
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  return { key: made.private, cert: made.cert };
}

/** What an HTTP/2 client sees of one stream: a response, or a stream reset (`failed`, with its code). */
export interface Http2Response extends RawResponse {
  /** The stream ended in an error or a reset, not a clean end. */
  failed: boolean;
  rstCode: number;
}

/** Opens an HTTP/2 session (`http://` is h2c, prior knowledge; `https://` trusts `ca`). */
export function openSession(url: string, ca?: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(url, ca === undefined ? {} : { ca });
    session.once('connect', () => { resolve(session); });
    session.once('error', reject);
  });
}

/** One request on an HTTP/2 session, read to its end, its reset, or 5 s without an answer. */
export function h2Get(session: ClientHttp2Session, path: string, headers: Record<string, string> = {}): Promise<Http2Response> {
  return new Promise((resolve) => {
    let stream;
    try {
      stream = session.request({ ':path': path, ...headers });
    } catch {
      // The session was told to go away: no new stream.
      resolve({ status: 0, headers: {}, body: '', broken: true, failed: true, rstCode: -1 });
      return;
    }
    let status = 0;
    let responseHeaders: RawResponse['headers'] = {};
    let body = '';
    let failed = false;
    stream.on('response', (received) => {
      status = Number(received[':status']);
      responseHeaders = received;
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => { body += chunk; });
    stream.on('error', () => { failed = true; });
    // A stream nobody answers is a failure of the server under test, not a hung test.
    stream.setTimeout(5000, () => {
      failed = true;
      stream.close();
    });
    stream.on('close', () => {
      const { rstCode } = stream;
      const cut = failed || rstCode !== 0;
      resolve({ status, headers: responseHeaders, body, broken: cut, failed: cut, rstCode });
    });
    stream.end();
  });
}

/** One HTTPS/1.1 request, trusting `ca`. */
export function httpsGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers: { connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('close', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body, broken: !res.complete }); });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') resolve({ status: 0, headers: {}, body: '', broken: true });
      else reject(error);
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no response from ${url} within 5 s`)));
    req.end();
  });
}
