// @ts-check
import tseslint from 'typescript-eslint';

/** The files the preset lints with type information: TypeScript only, so JS needs no tsconfig. */
export const TS_FILES = ['**/*.{ts,tsx,mts,cts}'];

/**
 * node:test's `describe`/`it`/`test`/`suite` return promises the runner already
 * awaits; leaving them un-awaited at the top level is correct, not an escape.
 */
const NODE_TEST_SAFE_CALLS = [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }];

/**
 * The preset as a flat config array, for `files` (default: TS files) and an
 * optional `tsconfigRootDir` (pass `import.meta.dirname` in a monorepo).
 *
 * @param {{ files?: string[], tsconfigRootDir?: string }} [options]
 */
export function recoverConfig({ files = TS_FILES, tsconfigRootDir } = {}) {
  return [
    {
      name: '@recover/eslint-config',
      files,
      plugins: { '@typescript-eslint': tseslint.plugin },
      languageOptions: {
        parser: tseslint.parser,
        parserOptions: tsconfigRootDir === undefined ? { projectService: true } : { projectService: true, tsconfigRootDir },
      },
      rules: {
        // A promise nobody awaits or catches rejects outside any request: an unhandledRejection.
        '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: NODE_TEST_SAFE_CALLS }],
        // An async callback where void is expected (emitter.on, setTimeout, Express 4 routes):
        // the caller drops the promise, so its rejection escapes the request.
        '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: true }],
        // `async` without `await` turns a synchronous throw into a rejection the caller may not handle.
        'require-await': 'off',
        '@typescript-eslint/require-await': 'error',
        // `return promise` inside try skips the catch/finally: the rejection leaves the handler.
        'no-return-await': 'off',
        '@typescript-eslint/return-await': ['error', 'in-try-catch'],
        // A thrown string has no stack and no type: the report cannot say where it came from.
        '@typescript-eslint/only-throw-error': 'error',
        // Same for rejections: reject with an Error so the crash report has a stack.
        'prefer-promise-reject-errors': 'off',
        '@typescript-eslint/prefer-promise-reject-errors': 'error',
      },
    },
  ];
}

/** The preset with its defaults: `export default [...recover]`. */
export const recover = recoverConfig();

export default recover;
