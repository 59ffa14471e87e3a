// Lint with type information (typescript-eslint's recommended, type-checked rules) over everything
// TypeScript in the repository; formatting is Prettier's (eslint-config-prettier turns off the
// rules that would fight it). `npm run lint` runs both; CI (.ci/run) runs it after `npm test`.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdk.out/',
      'coverage/',
      'bench/out/',
      '.data/',
      'console/dist/',
      'test-artifacts/',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names are parameters kept for a signature (a handler's context, a callback's index).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Numbers and booleans in template strings are intended: they are what messages and keys are made of.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // Adapters and test doubles implement Promise-returning ports; `async` without an await is the
      // plain way to do that (and turns a synchronous throw into a rejection, as callers expect).
      '@typescript-eslint/require-await': 'off',
      // `import x = require('...')` is TypeScript's typed import of a CommonJS `export =` module
      // (undici's internal files, dynalite); plain `require()` stays forbidden.
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      // A `let` declared before a cleanup closure that reads it, and assigned once later, cannot be
      // a `const`: the cleanup must also run when the assignment never happened.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['test/stack/**/*.ts'],
    rules: {
      // The synthesized CloudFormation template is untyped JSON (CDK's Template.toJSON() is `any`);
      // these tests walk it and assert on what they find.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // vitest's expect(fn).rejects and test doubles pass methods around unbound on purpose.
      '@typescript-eslint/unbound-method': 'off',
      // vitest's asymmetric matchers (expect.any, expect.stringMatching, ...) are typed `any` so that
      // they stand in for a field of any type; every expected object that uses one would be a finding.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  prettier,
  {
    // After eslint-config-prettier, which turns max-len off: Prettier wraps code at 140 columns but
    // leaves long strings and comments as they are, and this rule catches those.
    plugins: { '@stylistic': stylistic },
    rules: { '@stylistic/max-len': ['error', { code: 140, tabWidth: 2 }] },
  },
);
