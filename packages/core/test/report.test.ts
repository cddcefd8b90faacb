import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loggableUrl } from '../src/report/request.js';

describe('loggableUrl: credentials in query strings never reach the log', () => {
  const cases: [url: string, logged: string][] = [
    ['/users/7', '/users/7'],
    ['/search?q=shoes&page=2', '/search?q=shoes&page=2'],
    ['/login?user=ann&password=hunter2', '/login?user=ann&password=[REDACTED]'],
    ['/cb?code=abc&state=xyz', '/cb?code=[REDACTED]&state=xyz'],
    ['/x?access_token=t1&refresh_token=t2&id_token=t3', '/x?access_token=[REDACTED]&refresh_token=[REDACTED]&id_token=[REDACTED]'],
    ['/x?api_key=k&apiKey=k&API-KEY=k&key=k&monkey=banana', '/x?api_key=[REDACTED]&apiKey=[REDACTED]&API-KEY=[REDACTED]&key=[REDACTED]&monkey=banana'],
    ['/x?client_secret=s&Authorization=Bearer%20x&sig=1&X-Amz-Signature=2', '/x?client_secret=[REDACTED]&Authorization=[REDACTED]&sig=[REDACTED]&X-Amz-Signature=[REDACTED]'],
    ['/x?sessionid=s&pwd=p&passwd=p', '/x?sessionid=[REDACTED]&pwd=[REDACTED]&passwd=[REDACTED]'],
    ['/x?%74oken=t', '/x?%74oken=[REDACTED]'], // percent-encoded name
    ['/x?%E0%A4%A=1&token=t', '/x?%E0%A4%A=1&token=[REDACTED]'], // malformed encoding does not stop masking
    ['/x?token', '/x?token'], // a flag without a value holds nothing to hide
  ];
  for (const [url, logged] of cases) {
    it(url, () => {
      assert.equal(loggableUrl(url), logged);
    });
  }

  it('bounds a huge URL, and still masks the part it keeps', () => {
    const url = `/x?token=secret-value&pad=${'a'.repeat(10_000)}`;
    const logged = loggableUrl(url);
    assert.ok(logged.length <= 2049);
    assert.ok(!logged.includes('secret-value'));
    assert.ok(logged.startsWith('/x?token=[REDACTED]&pad=aaa'));
  });
});
