#!/usr/bin/env node
// The `blobhub` command. In the repository (tsx installed) it runs the TypeScript CLI from source, so
// it needs no build step; where tsx is not installed (production dependencies only) it runs the
// CLI `npm run build` compiled to dist/cli.js.
const tsx = await import('tsx/esm/api').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND') return undefined;
  throw error;
});
if (tsx) {
  tsx.register();
  await import('../main.ts');
} else {
  await import('../../../dist/cli.js');
}
