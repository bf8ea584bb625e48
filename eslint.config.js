import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const testFiles = ['test/**/*.ts', '**/*.test.ts', 'bench/**/*.ts'];

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.blobhub/', 'db/migrations/', 'apps/web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Type-aware rules for the TypeScript of both projects (the server's tsconfig.json and apps/web's).
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Engine, blob store and component methods are async to match their interface (a throw stays a rejection) without awaiting.
      '@typescript-eslint/require-await': 'off',
      // String(x) of an unknown error or wire value is deliberate; the rule cannot narrow unknown or ws's RawData.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Plain Node scripts (the runnable examples in docs/).
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox, which has no Node APIs (as in
    // Temporal's samples): the worker's workflow bundle, workflows/index.ts and every file it
    // imports by value (type-only imports are erased from the bundle).
    files: [
      'workflows/index.ts',
      'engines/*/temporal/workflows.ts',
      'engines/*/temporal/contracts.ts',
      'engines/workflow/temporal/{interpreter,activity-stubs,carry-over,failures,search-attributes,signals,start-options,thread-delivery,ui-metadata}.ts',
      'engines/workflow/plan.ts',
      'core/search-attributes.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: 'workflow code runs without Node built-ins: do this in an activity' })),
          patterns: [{ group: ['node:*'], message: 'workflow code runs without Node built-ins: do this in an activity' }],
        },
      ],
    },
  },
  {
    // Tests read arbitrary JSON responses.
    files: testFiles,
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The test ApiClient types response bodies as `any` (see above): reading them is what tests do.
    files: testFiles,
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
