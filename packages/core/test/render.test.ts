import { STATUS_CODES } from 'node:http';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderBody, type MediaKind, type RecoverReport } from '@recover/core';
import { negotiate } from '../src/response/negotiate.js';
import { escapeHtml } from '../src/response/render.js';
import { statusText } from '../src/report/status.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const REQUEST_ID = 'req-42';

function report(status: number, message: string, expose: boolean): RecoverReport {
  return {
    time: new Date(0).toISOString(),
    origin: 'handler',
    status,
    expose,
    errorClass: 'bug',
    error: { type: 'Error', message, stack: `Error: ${message}\n    at secret (/srv/app/db.js:1:1)` },
    traceId: TRACE_ID,
    spanId: '00f067aa0ba902b7',
    requestId: REQUEST_ID,
    request: { method: 'GET', url: '/x', route: undefined },
    job: undefined,
    headersSent: false,
    thrown: new Error(message),
  };
}

interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  traceId: string;
  requestId: string;
}

describe('negotiate: Accept header', () => {
  const cases: [accept: string | undefined, kind: MediaKind][] = [
    [undefined, 'problem'],
    ['', 'problem'],
    ['*/*', 'problem'], // curl
    ['text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8', 'html'], // a browser
    ['application/json', 'json'],
    ['application/json, text/plain, */*', 'json'], // axios
    ['application/problem+json', 'problem'],
    ['application/*', 'problem'],
    ['text/plain', 'text'],
    ['text/*', 'html'],
    ['TEXT/PLAIN', 'text'],
    ['text/html;q=0.5, application/json;q=0.9', 'json'],
    ['text/html;q=0.9, application/json;q=0.5', 'html'],
    ['application/json;q=0.1, text/plain; q=0.2', 'text'],
    ['text/plain;q=0, */*;q=0.1', 'problem'],
    ['text/plain;q=0', 'problem'],
    ['text/plain;q=0, text/html;q=0.1', 'html'],
    ['*/*;q=0.5, text/plain', 'text'],
    ['image/png', 'problem'],
    ['garbage', 'problem'],
    [';;;,,,///', 'problem'],
    ['text/html;q=banana', 'problem'],
    ['text/html;q=2', 'problem'],
    [`text/html,${'x'.repeat(2000)}`, 'problem'],
  ];
  for (const [accept, kind] of cases) {
    it(`${JSON.stringify(accept?.slice(0, 60))} -> ${kind}`, () => {
      assert.equal(negotiate(accept), kind);
    });
  }
});

describe('renderBody', () => {
  it('problem+json: RFC 9457 fields, ids, and no detail for a 5xx', () => {
    const body = renderBody(report(500, 'password=hunter2', false), 'problem');
    assert.equal(body.contentType, 'application/problem+json; charset=utf-8');
    const parsed = JSON.parse(body.body) as Problem;
    assert.deepEqual(parsed, { type: 'about:blank', title: 'Internal Server Error', status: 500, traceId: TRACE_ID, requestId: REQUEST_ID });
  });

  it('problem+json: the bytes of the object serialised in RFC order, for every status, request id and detail', () => {
    for (const status of [400, 404, 418, 499, 500, 503, 599]) {
      for (const requestId of [REQUEST_ID, undefined, 'quote " and \\ and \u2028']) {
        for (const expose of [false, true]) {
          const shown = { ...report(status, 'a "quoted" message', expose), requestId };
          const detail = expose ? { detail: 'a "quoted" message' } : {};
          const expected = JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'), status, ...detail, traceId: TRACE_ID, requestId: requestId ?? '' });
          // Twice: the second answer of a status comes from its cached start.
          assert.equal(renderBody(shown, 'problem').body, expected);
          assert.equal(renderBody(shown, 'json').body, expected);
        }
      }
    }
  });

  it('json: same body as problem+json with an application/json type', () => {
    const exposed = report(404, 'no such user', true);
    const json = renderBody(exposed, 'json');
    assert.equal(json.contentType, 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(json.body), JSON.parse(renderBody(exposed, 'problem').body));
    assert.equal((JSON.parse(json.body) as Problem).detail, 'no such user');
  });

  for (const kind of ['problem', 'json', 'html', 'text'] as const) {
    it(`${kind}: a 5xx body never shows the message or the stack`, () => {
      const { body } = renderBody(report(503, 'connect to db.internal:5432 failed', false), kind);
      assert.ok(!body.includes('db.internal'), body);
      assert.ok(!body.includes('/srv/app'), body);
      assert.ok(body.includes(TRACE_ID) && body.includes(REQUEST_ID), 'the ids are there to quote to support');
      assert.ok(body.includes('Service Unavailable'));
    });

    it(`${kind}: an exposed 4xx shows its message`, () => {
      const { body } = renderBody(report(422, 'email is required', true), kind);
      assert.ok(body.includes('email is required'), body);
      assert.ok(body.includes('Unprocessable Entity'));
    });

    it(`${kind}: an unexposed 4xx hides its message`, () => {
      const { body } = renderBody(report(400, 'internal parser state 0x1f', false), kind);
      assert.ok(!body.includes('parser state'), body);
      assert.ok(body.includes('Bad Request'));
    });
  }

  it('html: escapes a <script> message of an exposed 4xx', () => {
    const { contentType, body } = renderBody(report(400, '<script>alert("x")</script>', true), 'html');
    assert.equal(contentType, 'text/html; charset=utf-8');
    assert.ok(!body.includes('<script>'), body);
    assert.ok(body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'), body);
    assert.match(body, /^<!DOCTYPE html>/);
  });

  it('text: a message with CR/LF and other line breaks cannot forge lines', () => {
    const message = 'bad input\r\ntraceId: forged\nrequestId: forged\u2028x\u0000y\u001b[31m';
    const { contentType, body } = renderBody(report(400, message, true), 'text');
    assert.equal(contentType, 'text/plain; charset=utf-8');
    assert.ok(!body.includes('\r'));
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    assert.ok(!/[\u0000-\u0009\u000b-\u001f\u2028]/.test(body), 'no control characters but the line ends');
    const lines = body.trimEnd().split('\n');
    assert.deepEqual(lines.filter((line) => line.startsWith('traceId:')), [`traceId: ${TRACE_ID}`]);
    assert.deepEqual(lines.filter((line) => line.startsWith('requestId:')), [`requestId: ${REQUEST_ID}`]);
    assert.equal(lines.length, 4);
    assert.equal(lines[0], '400 Bad Request');
  });

  it('uses a generic title for a status without a reason phrase', () => {
    assert.equal(statusText(599), 'Server Error');
    assert.equal(statusText(499), 'Client Error');
    assert.equal((JSON.parse(renderBody(report(599, 'x', false), 'problem').body) as Problem).title, 'Server Error');
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('leaves other text alone', () => {
    assert.equal(escapeHtml('café ünïcode 😀'), 'café ünïcode 😀');
  });
});
