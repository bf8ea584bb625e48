/** The ONNX engine's registered name: known to the modules index.ts registers without importing it back. */
export const ENGINE_NAME = 'onnx_blobhub';
