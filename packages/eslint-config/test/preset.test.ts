import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import preset, { recover, recoverConfig, TS_FILES } from '@recover/eslint-config';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

interface Reported {
  ruleId: string | null;
  line: number;
}

/** Lints one fixture with `config` and nothing else; returns each message's rule id and line. */
async function lintWith(eslint: ESLint, file: string): Promise<Reported[]> {
  const results = await eslint.lintFiles([file]);
  assert.equal(results.length, 1, `one result for ${file}`);
  const [result] = results;
  assert.ok(result);
  return result.messages.map(({ ruleId, line }) => ({ ruleId, line }));
}

// The user's one-liner: the default export spread into a config array.
const eslint = new ESLint({ cwd: fixtures, overrideConfigFile: true, overrideConfig: [...preset] });
const lint = (file: string): Promise<Reported[]> => lintWith(eslint, file);

describe('@recover/eslint-config', () => {
  it('exports the same preset by default and as `recover`', () => {
    assert.equal(preset, recover);
    assert.equal(preset.length, 1);
    assert.deepEqual(preset[0]?.files, TS_FILES);
    assert.deepEqual(TS_FILES, ['**/*.{ts,tsx,mts,cts}']);
  });

  it('reports a floating promise', async () => {
    assert.deepEqual(await lint('floating.ts'), [{ ruleId: '@typescript-eslint/no-floating-promises', line: 4 }]);
  });

  it("reports an async listener passed to emitter.on('e', …)", async () => {
    assert.deepEqual(await lint('emitter.ts'), [{ ruleId: '@typescript-eslint/no-misused-promises', line: 6 }]);
  });

  it('reports an async setTimeout callback', async () => {
    assert.deepEqual(await lint('timer.ts'), [{ ruleId: '@typescript-eslint/no-misused-promises', line: 4 }]);
  });

  it("warns, once per file, when the program has no Node types (TypeScript 6's default `types: []`)", async () => {
    // Without Node's types setTimeout is unknown, so no-misused-promises cannot report it: the warning says why.
    const [message, ...others] = (await eslint.lintFiles(['no-node-types/timer.ts']))[0]?.messages ?? [];
    assert.deepEqual(others, []);
    assert.equal(message?.ruleId, '@recover/node-types');
    assert.equal(message.severity, 1, 'a warning');
    assert.equal(message.line, 1);
    assert.match(message.message, /"types": \["node"\]/);
  });

  it("reports throw 'string'", async () => {
    assert.deepEqual(await lint('throw-string.ts'), [{ ruleId: '@typescript-eslint/only-throw-error', line: 3 }]);
  });

  it('reports Promise.reject with a non-Error', async () => {
    assert.deepEqual(await lint('reject-string.ts'), [
      { ruleId: '@typescript-eslint/prefer-promise-reject-errors', line: 3 },
    ]);
  });

  it('reports an async function without await', async () => {
    assert.deepEqual(await lint('require-await.ts'), [{ ruleId: '@typescript-eslint/require-await', line: 2 }]);
  });

  it('reports an un-awaited return inside try', async () => {
    assert.deepEqual(await lint('return-await.ts'), [{ ruleId: '@typescript-eslint/return-await', line: 6 }]);
  });

  it('reports nothing for awaited, void-marked and .catch()-handled promises', async () => {
    assert.deepEqual(await lint('clean.ts'), []);
  });

  it("allows node:test's describe/it/test/suite un-awaited", async () => {
    assert.deepEqual(await lint('node-test.ts'), []);
  });

  it('leaves JS files alone (no type information needed)', async () => {
    assert.deepEqual(await lint('plain.js'), []);
  });

  it('recoverConfig({ files, tsconfigRootDir }) scopes the preset and sets the tsconfig root', async () => {
    const scoped = recoverConfig({ files: ['src/**/*.ts'], tsconfigRootDir: fixtures });
    assert.equal(scoped.length, 1);
    const [first] = scoped;
    assert.ok(first);
    assert.deepEqual(first.files, ['src/**/*.ts']);
    assert.deepEqual(first.languageOptions?.parserOptions, { projectService: true, tsconfigRootDir: fixtures });

    const rooted = new ESLint({
      cwd: fixtures,
      overrideConfigFile: true,
      overrideConfig: recoverConfig({ tsconfigRootDir: fixtures }),
    });
    assert.deepEqual(await lintWith(rooted, 'floating.ts'), [
      { ruleId: '@typescript-eslint/no-floating-promises', line: 4 },
    ]);
  });
});
