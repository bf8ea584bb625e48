/** `true` in the compiled bundles (scripts/build.mjs defines it); absent when running from source (tsx, vitest). */
interface ImportMeta {
  readonly blobhubCompiled?: true;
}
