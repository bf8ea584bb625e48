import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers, lowest first: db → core (the kernel) → http (HTTP plumbing the API and the engines'
 * raw routes share) → engines → apps. A folder imports its own layer and the ones below it; the
 * SDK is a client and reaches server code for types only. Tests may reach every layer.
 */
const layers = [
  { folder: 'db', below: ['core', 'http', 'engines', 'apps', 'sdk'] },
  { folder: 'core', below: ['http', 'engines', 'apps', 'sdk'] },
  { folder: 'http', below: ['engines', 'apps', 'sdk'] },
  { folder: 'engines', below: ['apps', 'sdk'] },
  { folder: 'sdk', below: ['core', 'http', 'engines', 'apps/api', 'db'], typesOnly: true },
];
const testFiles = ['test/**/*.ts', '**/*.test.ts', 'bench/**/*.ts'];

/** A pattern for a file `depth` folders deep: relative specifiers climb exactly that far to reach a top-level folder. */
const upwardImport = (depth, folders, allowTypeImports, from) => ({
  regex: `^(\\.\\./){${depth}}(${folders.join('|')})(/|$)`,
  allowTypeImports,
  message: allowTypeImports
    ? `${from}/ may import only types from ${folders.join(', ')}; see the layers in eslint.config.js`
    : `${from}/ may not import a higher layer (${folders.join(', ')}); see the layers in eslint.config.js`,
});

const layerRules = ({ folder, below, typesOnly = false }) =>
  [1, 2, 3, 4, 5].map((depth) => ({
    files: [`${folder}/${'*/'.repeat(depth - 1)}*.{ts,tsx}`],
    ignores: testFiles,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [upwardImport(depth, below, typesOnly, folder)] }] },
  }));

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.blobhub/', 'db/migrations/', 'apps/web/dist/', 'dist/'] },
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
  ...layers.flatMap(layerRules),
  {
    // Plain Node scripts (the runnable examples in docs/).
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // Static scripts the web app's page loads as they are (apps/web/public).
    files: ['apps/web/public/**/*.js'],
    languageOptions: { globals: globals.browser },
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
