// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import recover from '@recover/eslint-config';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      '**/*.config.ts',
      'eslint.config.mjs',
      // Lint errors on purpose: the preset's tests assert them.
      'packages/eslint-config/test/fixtures/**',
      // Written as an application outside this repository writes them (CommonJS included), and
      // type-checked there, against the packed tarballs, by test/pack/run.mjs.
      'test/pack/apps/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  // A library about escaped errors ships none of its own: the preset we publish, on TS files.
  ...recover,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    // A function you can read in one screen; the pipeline in recover.ts is the model.
    files: ['packages/*/src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 40, skipBlankLines: true, skipComments: true }] },
  },
  {
    // Tests throw non-errors on purpose: that is what recover must survive.
    files: ['test/**/*.ts', 'packages/*/test/**/*.ts'],
    rules: { '@typescript-eslint/only-throw-error': 'off', '@typescript-eslint/no-confusing-void-expression': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
);
