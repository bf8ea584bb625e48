/**
 * The SDK's part that runs in a browser (no Node built-ins, no `ws`): the typed client (the
 * engines' commands are its procedures), query options with derived keys, the engine commands'
 * types and the realtime client. The web app imports this.
 */
export { createApiClient, type ApiClient, type ApiClientOptions, type AppRouter, type RouterInputs, type RouterOutputs } from './api-client';
export type {
  BlobHubEvent,
  CatalogEntry,
  CommandName,
  CommandOutput,
  CommandParams,
  EngineName,
  Execution,
  OnnxModel,
  Schedule,
  ScheduleExecution,
  ValueObject,
} from './engine-types';
export type * from './model-types';
export { createQueryOptions, type ProcedureKey, type ProcedureQueryOptions, type QueryOptionsProxy } from './query';
export { browserSocket, RealtimeRefusal, subscribe, type EventStreamOptions, type RealtimeEndpoint, type SubscriptionKey } from './realtime';
