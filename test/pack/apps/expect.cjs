// The answer every README one-liner promises, checked on a real request: a crash is a safe 500
// problem+json (no message, no stack), the readiness probe answers 200, and the server keeps serving.
const assert = require('node:assert/strict');

/** Sends GET `path` to the server at `base`; resolves with status, content-type and body. */
async function get(base, path) {
  const response = await fetch(new URL(path, base));
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

/** Checks the crash route, the readiness probe and a healthy route of a server listening at `base`. */
async function expectRecovered(label, base) {
  const crash = await get(base, '/crash');
  assert.equal(crash.status, 500, `${label}: /crash status`);
  assert.match(crash.type ?? '', /^application\/problem\+json/, `${label}: /crash content-type`);
  assert.doesNotMatch(crash.body, /secret-db-password/, `${label}: the 5xx body holds no message`);
  const ready = await get(base, '/ready');
  assert.deepEqual([ready.status, JSON.parse(ready.body)], [200, { status: 'ready' }], `${label}: /ready`);
  const ok = await get(base, '/ok');
  assert.deepEqual([ok.status, ok.body], [200, 'ok'], `${label}: still serving`);
  console.log(`${label}: ok`);
}

/** A job that throws, through `guard`: it reports and resolves with undefined instead of escaping. */
async function expectGuarded(label, guard) {
  const job = guard('pack.job', () => {
    throw new Error('job failed');
  });
  assert.equal(await job(), undefined, `${label}: guard`);
}

module.exports = { expectRecovered, expectGuarded };
