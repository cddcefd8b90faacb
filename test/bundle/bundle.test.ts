// Bundled Express: the app, express, recover and pino inlined by esbuild into one file (CommonJS, and an
// ES module), run from a directory with no node_modules, as serverless and container images do.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startFixture, type Child } from '@recover/test-support/child';
import { send } from '@recover/test-support/http';
import { waitFor } from '@recover/test-support/wait';

const ENTRY = fileURLToPath(new URL('./app.ts', import.meta.url));
// What users add to an ES module bundle so the CommonJS code inside it (express) can require built-ins.
const ESM_BANNER = "import { createRequire as __recoverTestRequire } from 'node:module'; const require = __recoverTestRequire(import.meta.url);";

let dir: string;
const bundles: Record<'cjs' | 'esm', string> = { cjs: '', esm: '' };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recover-bundle-'));
  for (const format of ['cjs', 'esm'] as const) {
    bundles[format] = join(dir, format === 'cjs' ? 'server.cjs' : 'server.mjs');
    await build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format,
      outfile: bundles[format],
      logLevel: 'error',
      ...(format === 'esm' ? { banner: { js: ESM_BANNER } } : {}),
    });
  }
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

const reportsOf = (child: Child) => child.lines.filter((line) => 'err' in line);

for (const format of ['cjs', 'esm'] as const) {
  for (const version of ['4', '5']) {
    describe(`Express ${version} bundled as ${format === 'cjs' ? 'CommonJS' : 'an ES module'}`, () => {
      let child: Child;
      before(async () => { child = await startFixture(bundles[format], [], { EXPRESS: version }); });
      after(async () => {
        child.process.kill();
        await child.exited;
      });

      it('starts, and throw null is a 500 reported once, not a 404', async () => {
        const response = await send(`${child.url}/null`, { 'x-request-id': `null-${format}-${version}` });
        assert.equal(response.status, 500);
        const line = await waitFor(() => reportsOf(child).find((entry) => entry.requestId === `null-${format}-${version}`), 'the report');
        assert.equal((line.err as { type: string }).type, 'null');
      });

      it('rejected async handlers are handled errors, not escapes: seven of them spend no crash budget', async () => {
        for (let i = 0; i < 7; i++) assert.equal((await send(`${child.url}/async`)).status, 500);
        assert.equal((await send(`${child.url}/ok`)).status, 200, 'still serving');
        const asyncLines = reportsOf(child).filter((line) => (line.err as { message: string }).message === 'async handler failed');
        assert.equal(asyncLines.length, 7);
        assert.ok(asyncLines.every((line) => line.origin === 'handler'), 'caught on the request path');
      });

      it('an escaped timer error is still answered on its request', async () => {
        assert.equal((await send(`${child.url}/timer`)).status, 500);
      });

      it('prints no warning: the router was found', () => {
        assert.doesNotMatch(child.stderr, /RECOVER_EXPRESS_ROUTER/);
      });
    });
  }
}

describe('a bundled app the server calls through a wrapper', () => {
  it("warns once at the first request, naming what is lost, and patches the router at the app's first error", async () => {
    const child = await startFixture(bundles.cjs, [], { EXPRESS: '4', WRAPPED: '1' });
    try {
      assert.equal((await send(`${child.url}/ok`)).status, 200);
      await send(`${child.url}/ok`);
      await waitFor(() => (child.stderr.includes('RECOVER_EXPRESS_ROUTER') ? true : undefined), 'the warning');
      assert.equal(child.stderr.split('RECOVER_EXPRESS_ROUTER').length - 1, 1, 'one warning');
      assert.match(child.stderr, /throw null` answers 404/);
      // A plain throw reaches recover's handler on any Express: from then on, the router is patched.
      assert.equal((await send(`${child.url}/sync`)).status, 500);
      assert.equal((await send(`${child.url}/null`)).status, 500);
    } finally {
      child.process.kill();
      await child.exited;
    }
  });
});
