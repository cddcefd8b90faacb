// The chaos driver at a short count, so CI runs it: every framework and mix, concurrency 64, zero violations.
// The full run is `npm run chaos` (100,000 requests per framework and mix); see CHAOS.md. About 15 s on an
// idle machine; the timeout leaves room for a loaded one (the crash mix alone took over 60 s next to three
// other test suites).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SEED, formatTable, runChaos } from './chaos.js';

test('chaos: 600 seeded failing requests per framework and mix at concurrency 64, no violations', { timeout: 300_000 }, async (t) => {
  const chaos = await runChaos({ count: 600, seed: DEFAULT_SEED, concurrency: 64 });
  t.diagnostic(`seed ${chaos.seed}`);
  for (const line of formatTable(chaos).split('\n')) t.diagnostic(line);
  assert.equal(chaos.results.length, 10, 'five frameworks, two mixes');
  for (const result of chaos.results) {
    const name = `${result.framework} (${result.mix})`;
    assert.equal(result.sent, 600, `${name}: requests sent`);
    assert.equal(result.hung, 0, `${name}: hung requests`);
    assert.equal(result.exits, 0, `${name}: process exits`);
    assert.equal(result.reports, result.crashes, `${name}: report lines per crash`);
  }
  assert.deepEqual(chaos.violations, []);
});
