/**
 * `npm run build` after the web app: the server processes compiled to JavaScript in dist/, what
 * `npm run api`, `npm run worker` and the Docker image run (no TypeScript at runtime):
 *  - dist/api.js, dist/worker.js, dist/cli.js: one ES module each, bundled by esbuild with every
 *    npm package left external (native and optional ones such as onnxruntime-node, @swc/core and
 *    the Temporal core bridge load from node_modules as they do from source);
 *  - dist/sandbox-thread.js: the entry of a `logic.code` sandbox thread (Python: engines/workflow/sandbox/pool.ts);
 *  - dist/sandbox-process.js: the entry of a JavaScript sandbox process (engines/workflow/sandbox/isolate-process.ts);
 *  - dist/workflow-bundle.js: the worker's workflow code bundled once by Temporal's own bundler
 *    from the sources (workflows/index.ts), so the compiled worker starts without webpack.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist');

const entryPoints = {
  api: 'apps/api/main.ts',
  worker: 'apps/worker/main.ts',
  cli: 'apps/cli/main.ts',
  'worker-healthcheck': 'apps/worker/healthcheck.ts',
  'sandbox-thread': 'engines/workflow/sandbox/thread.ts',
  'sandbox-process': 'engines/workflow/sandbox/isolate-process-main.ts',
};

/**
 * Inside a bundle every module's `import.meta.url` would be the bundle's: this one answers, for
 * each of BlobHub's own modules, its source file's URL (relative to the bundle, so dist/ moves with
 * the repository), so that what a module reads beside itself (db/migrations, apps/web/dist,
 * package.json) is found where the repository keeps it.
 */
const sourceImportMetaUrl = {
  name: 'source-import-meta-url',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const fromBundle = path.relative(outdir, args.path).split(path.sep).join('/');
      const url = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/**
 * Each file is written beside its place and renamed into it: a process starting from dist/ while
 * another build runs (two test files build at once) reads either the old file or the new one.
 */
async function writeAtomically(file, contents) {
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, contents);
  await rename(partial, file);
}

const { outputFiles } = await build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // core/build-mode.ts: what differs once compiled
  define: { 'import.meta.blobhubCompiled': 'true' },
  plugins: [sourceImportMetaUrl],
  logLevel: 'warning',
  write: false,
});
await mkdir(outdir, { recursive: true });
await Promise.all(outputFiles.map((file) => writeAtomically(file.path, file.contents)));

const { code } = await bundleWorkflowCode({
  workflowsPath: path.join(root, 'workflows/index.ts'),
  logger: { info() {}, warn: console.warn, error: console.error, debug() {}, trace() {}, log() {} },
});
await writeAtomically(path.join(outdir, 'workflow-bundle.js'), code);
console.log(`compiled ${Object.keys(entryPoints).join(', ')} and the workflow bundle to ${pathToFileURL(outdir).href}`);
