/** What every command needs: the global options, the output, a connected client, blob and revision lookups. */
import type { Command } from 'commander';
import { BlobHub, BlobHubError, resolveConnection, type Blob } from '../../sdk';
import { UsageError } from './exit-codes';
import { Output } from './output';

export interface GlobalOptions {
  json?: boolean;
  profile?: string;
}

export class CliContext {
  readonly out: Output;
  private client?: BlobHub;

  constructor(readonly options: GlobalOptions) {
    this.out = new Output(Boolean(options.json));
  }

  static of(command: Command): CliContext {
    return new CliContext(command.optsWithGlobals<GlobalOptions>());
  }

  /** The client for the selected profile (or BLOBHUB_API_URL / BLOBHUB_API_KEY). */
  get hub(): BlobHub {
    this.client ??= new BlobHub({ ...resolveConnection({ profile: this.options.profile }), clientName: 'blobhub-cli' });
    return this.client;
  }

  /** A blob and the revision a command works on: `--revision`, else the blob's latest. */
  async revisionOf(blobRef: string, revision?: string): Promise<{ blob: Blob; revisionId: string }> {
    const blob = await this.hub.blobs.get(blobRef);
    const revisionId = revision ?? blob.latest_revision_id;
    if (!revisionId) throw new BlobHubError('not_found', `${blobRef} has no revision`);
    return { blob, revisionId };
  }
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

export function positiveInt(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name} must be an integer from 1 to ${max}, not ${raw}`);
    return n;
  };
}

/** Wraps an action so it receives the context first. */
export function withContext<A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<void>) {
  return async function (this: Command, ...args: A) {
    await fn(CliContext.of(this), ...args);
  };
}
