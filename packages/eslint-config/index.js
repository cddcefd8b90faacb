// @ts-check
import tseslint from 'typescript-eslint';

/** The files the preset lints with type information: TypeScript only, so JS needs no tsconfig. */
export const TS_FILES = ['**/*.{ts,tsx,mts,cts}'];

/**
 * node:test's `describe`/`it`/`test`/`suite` return promises the runner already
 * awaits; leaving them un-awaited at the top level is correct, not an escape.
 */
const NODE_TEST_SAFE_CALLS = [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }];

/** Whether a TypeScript program knows Node's modules (from `@types/node`), per program. */
const knowsNode = new WeakMap();

/**
 * Warns when Node's types are missing from the file's TypeScript program. Without them `setTimeout` and
 * `emitter.on` are unknown, so no-misused-promises cannot see that they drop a callback's promise, and
 * says nothing. TypeScript 6 leaves `@types/*` out unless the tsconfig lists them in `types`.
 *
 * @type {import('eslint').Rule.RuleModule}
 */
const nodeTypes = {
  meta: {
    type: 'problem',
    docs: { description: "Require Node's types in the TypeScript program, so the promise rules see Node's callbacks." },
    messages: {
      missing:
        "Node's types are not in this file's TypeScript program, so @typescript-eslint/no-misused-promises cannot see that setTimeout or emitter.on drop an async callback's promise. Install @types/node and add \"types\": [\"node\"] to compilerOptions in tsconfig.json.",
    },
    schema: [],
  },
  create(context) {
    const program = context.sourceCode.parserServices?.program;
    if (!program) return {};
    let known = knowsNode.get(program);
    if (known === undefined) {
      known = program.getTypeChecker().getAmbientModules().some((module) => module.getName() === '"node:events"');
      knowsNode.set(program, known);
    }
    if (known) return {};
    return {
      Program(node) {
        context.report({ node, messageId: 'missing' });
      },
    };
  },
};

/** The preset's own rule, as the `@recover` plugin. */
const plugin = { meta: { name: '@recover/eslint-config' }, rules: { 'node-types': nodeTypes } };

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
      plugins: { '@typescript-eslint': tseslint.plugin, '@recover': plugin },
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
        // ...which it can only do when the program has Node's types.
        '@recover/node-types': 'warn',
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
