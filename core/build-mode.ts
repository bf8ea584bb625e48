/**
 * Whether this code runs as the compiled bundles `npm run build` makes (dist/: scripts/build.mjs
 * defines `import.meta.blobhubCompiled` there) or from source (tsx, vitest), for the few places
 * that load a file of their own at run time: the worker's workflow bundle, the sandbox thread.
 */
declare global {
  interface ImportMeta {
    readonly blobhubCompiled?: true;
  }
}

export const runsCompiled: boolean = import.meta.blobhubCompiled === true;
