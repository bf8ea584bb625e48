/** `@blobhub/sdk`: the typed BlobHub client. */
export {
  BlobHub,
  ENDED_EXECUTION_STATUSES,
  type Blob,
  type BlobHubOptions,
  type Operation,
  type Revision,
  type RouterInputs,
  type RouterOutputs,
} from './client';
export type {
  BlobHubEvent,
  CommandName,
  CommandOutput,
  CommandParams,
  EngineName,
  Execution,
  OnnxDescription,
  OnnxModel,
  OutputValue,
  Schedule,
  Trigger,
  ValueObject,
} from './engine-types';
export { BlobHubError, ConnectionError } from './errors';
export type { UploadProgress } from './onnx-upload';
export {
  credentialsPath,
  DEFAULT_API_URL,
  readCredentials,
  removeProfile,
  resolveConnection,
  saveProfile,
  useProfile,
  type ConnectOptions,
  type Profile,
} from './profiles';
export { RealtimeRefusal, type EventStreamOptions, type SubscriptionKey } from './realtime';
