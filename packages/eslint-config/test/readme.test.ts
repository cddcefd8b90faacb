import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

// The README's eslint.config.js snippets, run as written against a project with an async setTimeout
// callback and an async emitter listener. test:pack runs them again on a fresh install (TypeScript 6).
const project = fileURLToPath(new URL('./fixtures/readme/', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const snippets = [...readme.matchAll(/```js\n([\s\S]*?)```/g)]
  .map(([, code]) => code ?? '')
  .filter((code) => code.includes('export default'));

const MISUSED = '@typescript-eslint/no-misused-promises';

describe('@recover/eslint-config: the README snippets, as written', () => {
  it('the README has its three eslint.config.js snippets', () => {
    assert.equal(snippets.length, 3);
  });

  snippets.forEach((code, index) => {
    it(`snippet ${String(index + 1)} reports both async callbacks, and lints the config file itself without error`, async () => {
      // In the project, so the snippet's imports resolve as they would in an application.
      const file = join(project, `readme-${String(index + 1)}.config.mjs`);
      writeFileSync(file, code);
      try {
        const eslint = new ESLint({ cwd: project, overrideConfigFile: file });
        const results = await eslint.lintFiles(['.']);
        const reported = results
          .flatMap((result) => result.messages.map(({ ruleId, line }) => `${ruleId ?? 'fatal'} ${result.filePath.slice(project.length)}:${String(line)}`))
          .sort();
        assert.deepEqual(reported, [`${MISUSED} src/emitter.ts:5`, `${MISUSED} src/timer.ts:2`]);
      } finally {
        rmSync(file, { force: true });
      }
    });
  });
});
