/**
 * The BlobHub TypeScript client: the server's own router types over its native tRPC endpoint
 * (`/trpc`), helpers for engine data commands, execution waits, live events and model uploads.
 */
import type { TRPCClient } from '@trpc/client';
import { createApiClient, type AppRouter, type RouterInputs, type RouterOutputs } from './api-client';
import type { BlobHubEvent, Execution, OnnxDescription, ValueObject } from './engine-types';
import { BlobHubError, fromTrpcError } from './errors';
import { fileSha256, fileSize, uploadParts, type PartUploadOptions, type PlannedPart } from './onnx-upload';
import { resolveConnection, type ConnectOptions } from './profiles';
import { subscribe, type EventStreamOptions, type SubscriptionKey } from './realtime';
import { nodeSocket } from './realtime-node';

export type { RouterInputs, RouterOutputs } from './api-client';
export type Blob = RouterOutputs['blobs']['get']['blob'];
export type Revision = RouterOutputs['revisions']['get']['revision'];
export type Operation = RouterOutputs['operations']['get']['operation'];

export interface BlobHubOptions {
  /** the REST base URL, with `/v1` (as in the credentials file and BLOBHUB_API_URL) */
  url: string;
  apiKey?: string;
  /** an access token, sent as `Authorization: Bearer` */
  token?: string;
  /** the name this client gives the realtime server */
  clientName?: string;
}

/** Execution statuses after which nothing more happens (SPEC names and BlobHub's). */
export const ENDED_EXECUTION_STATUSES = new Set(['succeeded', 'failed', 'cancelled', 'timed_out', 'completed', 'stopped']);
const ENDED_OPERATION_STATUSES = new Set(['succeeded', 'failed', 'cancelled', 'completed', 'stopped']);

export interface WaitOptions {
  signal?: AbortSignal;
}

export interface OnnxUploadOptions extends PartUploadOptions {
  /** the file's path in the revision (default model.onnx) */
  path?: string;
  /** send the file's SHA-256 so the server verifies what it received (default true) */
  verify?: boolean;
}

export class BlobHub {
  readonly url: string;
  readonly trpc: TRPCClient<AppRouter>;
  private readonly headers: Record<string, string>;
  private readonly clientName: string;

  /** Connects as the Python SDK does: options, then BLOBHUB_* environment, then the profile file. */
  static connect(opts: ConnectOptions & { clientName?: string } = {}): BlobHub {
    return new BlobHub({ ...resolveConnection(opts), clientName: opts.clientName });
  }

  constructor(opts: BlobHubOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.headers = opts.apiKey ? { 'x-api-key': opts.apiKey } : opts.token ? { authorization: `Bearer ${opts.token}` } : {};
    this.clientName = opts.clientName ?? '@blobhub/sdk';
    this.trpc = createApiClient({ url: `${this.origin}/trpc`, headers: () => this.headers });
  }

  /** The server's origin: the REST URL without its `/v1`. */
  get origin(): string {
    return this.url.replace(/\/v1$/, '');
  }

  /** Runs one tRPC call, turning its failure into a BlobHubError or ConnectionError. */
  async call<T>(fn: (trpc: TRPCClient<AppRouter>) => Promise<T>): Promise<T> {
    try {
      return await fn(this.trpc);
    } catch (error) {
      throw fromTrpcError(error, this.origin);
    }
  }

  whoami() {
    return this.call((t) => t.users.me.query({}));
  }

  readonly orgs = {
    list: (page: { limit?: number; cursor?: string } = {}) => this.call((t) => t.orgs.list.query(page)),
    create: (input: RouterInputs['orgs']['create']) => this.call((t) => t.orgs.create.mutate(input)),
    get: (org: string) => this.call((t) => t.orgs.get.query({ org_id: org })),
  };

  readonly blobs = {
    list: (input: RouterInputs['blobs']['list']) => this.call((t) => t.blobs.list.query(input)),
    create: (input: RouterInputs['blobs']['create']) => this.call((t) => t.blobs.create.mutate(input)),
    /** A blob by id (`blb_…`) or by `org/blob` name. */
    get: async (ref: string): Promise<Blob> => {
      if (/^blb_/.test(ref)) return (await this.call((t) => t.blobs.get.query({ blob_id: ref }))).blob;
      const [org, blob, ...rest] = ref.split('/');
      if (!org || !blob || rest.length) throw new BlobHubError('bad_request', `${ref} is neither a blob id (blb_…) nor an org/blob name`);
      return (await this.call((t) => t.blobByName.getByName.query({ org, blob }))).blob;
    },
  };

  readonly revisions = {
    list: (blobId: string, page: { limit?: number; cursor?: string } = {}) => this.call((t) => t.revisions.list.query({ blob_id: blobId, ...page })),
    get: async (id: string) => (await this.call((t) => t.revisions.get.query({ revision_id: id }))).revision,
    /** Opens a new draft copying `from` (default: the latest revision). */
    create: async (blobId: string, from?: string) => (await this.call((t) => t.revisions.create.mutate({ blob_id: blobId, from_revision_id: from }))).revision,
    commit: async (id: string) => (await this.call((t) => t.revisions.commit.mutate({ revision_id: id }))).revision,
    snapshot: async (id: string) => (await this.call((t) => t.revisions.snapshot.mutate({ revision_id: id }))).revision,
  };

  async operation(id: string): Promise<Operation> {
    return (await this.call((t) => t.operations.get.query({ operation_id: id }))).operation;
  }

  /** Starts a workflow execution (a new session unless `sessionId`), without waiting. */
  async startExecution(revisionId: string, alias: string, inputs: Record<string, ValueObject> = {}, opts: { sessionId?: string } = {}): Promise<Execution> {
    const input_data = Object.entries(inputs).map(([name, value]) => ({ alias: name, value }));
    const started = { revision_id: revisionId, alias, input_data, session_id: opts.sessionId };
    return (await this.call((t) => t.workflow_blobhub.create_execution.mutate(started))).execution;
  }

  async getExecution(revisionId: string, executionId: string): Promise<Execution> {
    return (await this.call((t) => t.workflow_blobhub.get_execution.query({ revision_id: revisionId, execution_id: executionId }))).execution;
  }

  /** Waits for an execution to end, on its live `execution_ended` event (no polling). */
  async waitForExecution(revisionId: string, executionId: string, opts: WaitOptions = {}): Promise<Execution> {
    const key: SubscriptionKey = { scope: 'revision', scope_id: revisionId, target: 'execution', target_id: executionId };
    // since 0 replays an end that happened before the subscription, so nothing can be missed.
    for await (const _ended of this.events(key, { since: 0, types: ['execution_ended'], signal: opts.signal })) break;
    if (opts.signal?.aborted) throw opts.signal.reason;
    return this.getExecution(revisionId, executionId);
  }

  /** Starts an execution and waits for its end. */
  async runWorkflow(revisionId: string, alias: string, inputs: Record<string, ValueObject> = {}, opts: WaitOptions & { sessionId?: string } = {}) {
    const started = await this.startExecution(revisionId, alias, inputs, opts);
    return this.waitForExecution(revisionId, started.id, opts);
  }

  /** Live events of a subscription, resumed with `since` across dropped connections. */
  events(key: SubscriptionKey, opts: EventStreamOptions = {}): AsyncGenerator<BlobHubEvent> {
    const url = `${this.origin.replace(/^http/, 'ws')}/v1/realtime`;
    return subscribe({ url, clientName: this.clientName, open: (socketUrl) => nodeSocket(socketUrl, this.headers) }, key, opts);
  }

  /** Waits for an operation to end, on the revision's live operation events. */
  async waitForOperation(revisionId: string, operationId: string, opts: WaitOptions = {}): Promise<Operation> {
    const current = await this.operation(operationId);
    if (ENDED_OPERATION_STATUSES.has(current.status)) return current;
    const key: SubscriptionKey = { scope: 'core', target: 'revision', target_id: revisionId };
    for await (const event of this.events(key, { since: 0, types: ['operation_updated'], signal: opts.signal })) {
      const data: { operation?: Operation } | undefined = event.data;
      const operation = data?.operation;
      if (operation?.id === operationId && ENDED_OPERATION_STATUSES.has(operation.status)) break;
    }
    if (opts.signal?.aborted) throw opts.signal.reason;
    return this.operation(operationId);
  }

  /**
   * Uploads an ONNX model file to a draft revision in parallel parts through presigned URLs,
   * then waits until the server has validated and described it.
   */
  async uploadOnnx(revisionId: string, file: string, opts: OnnxUploadOptions = {}) {
    const size = await fileSize(file);
    const sha256 = opts.verify === false ? undefined : await fileSha256(file);
    const onnx = { revision_id: revisionId };
    const init = await this.call((t) => t.onnx_blobhub.initiate_upload.mutate({ ...onnx, path: opts.path, size, sha256 }));
    const operationId = init.operation_id;
    const parts: PlannedPart[] = init.operation.parts;
    try {
      const hashes = await uploadParts(file, parts, opts);
      await this.call((t) => t.onnx_blobhub.complete_upload.mutate({ ...onnx, operation_id: operationId, parts: hashes }));
    } catch (error) {
      await this.call((t) => t.onnx_blobhub.cancel_upload.mutate({ ...onnx, operation_id: operationId })).catch(() => undefined);
      throw error;
    }
    const operation = await this.waitForOperation(revisionId, operationId, opts);
    return { operation, parts: parts.length, revision: await this.revisions.get(revisionId) };
  }

  /** The model read from its ONNX graph (null when the revision holds only other files) and every file. */
  async describeOnnx(revisionId: string, path?: string): Promise<OnnxDescription> {
    return this.call((t) => t.onnx_blobhub.describe.query({ revision_id: revisionId, path }));
  }
}
