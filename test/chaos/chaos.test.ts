// The chaos driver at a short count, so CI runs it: every framework, concurrency 64, zero violations.
// The full run is `npm run chaos` (100,000 requests per framework); see CHAOS.md. About 8 s on an idle
// machine; the timeout leaves room for a loaded one (it took over 60 s next to three other test suites).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SEED, formatTable, runChaos } from './chaos.js';

test('chaos: 600 seeded failing requests per framework at concurrency 64, no violations', { timeout: 300_000 }, async (t) => {
  const chaos = await runChaos({ count: 600, seed: DEFAULT_SEED, concurrency: 64 });
  t.diagnostic(`seed ${chaos.seed}`);
  for (const line of formatTable(chaos).split('\n')) t.diagnostic(line);
  for (const result of chaos.results) {
    assert.equal(result.sent, 600, `${result.framework}: requests sent`);
    assert.equal(result.hung, 0, `${result.framework}: hung requests`);
    assert.equal(result.exits, 0, `${result.framework}: process exits`);
    assert.equal(result.reports, result.crashes, `${result.framework}: report lines per crash`);
  }
  assert.deepEqual(chaos.violations, []);
});
