import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

type Module = typeof import('@recover/sentry');

const esm: Module = await import('@recover/sentry');
const cjs = createRequire(import.meta.url)('@recover/sentry') as Module;

for (const [label, loaded] of [['import()', esm], ['require()', cjs]] as const) {
  describe(`exports via ${label}`, () => {
    it('exports sentry(), an onError hook that leaves a 4xx alone', () => {
      const hook = loaded.sentry();
      assert.equal(typeof hook, 'function');
      assert.equal(hook({ status: 404, origin: 'handler' } as Parameters<typeof hook>[0]), undefined);
    });

    it("exports sentryIntegrations, which drops Sentry's own capture of what recover reports", () => {
      const names = (list: { name: string }[]) => list.map((integration) => integration.name);
      const kept = loaded.sentryIntegrations([{ name: 'OnUncaughtException' }, { name: 'OnUnhandledRejection' }, { name: 'Dedupe' }, { name: 'Http' }]);
      assert.deepEqual(names(kept), ['Http', 'RecoverDuplicates']);
    });
  });
}

it('import() and require() resolve to different builds (ESM and CommonJS)', () => {
  assert.notEqual(esm.sentry, cjs.sentry);
});
