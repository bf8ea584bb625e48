/**
 * The credentials file shared with the Python SDK and CLI: `$BLOBHUB_HOME/credentials.yaml`
 * (default `~/.blobhub/credentials.yaml`), mode 0600, `{default, profiles: {name: {key, url}}}`,
 * and the same resolution order: explicit option → BLOBHUB_* environment → profile → default.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { BlobHubError } from './errors';

export const DEFAULT_API_URL = 'http://localhost:8080/v1';

// Loose: fields other tools keep in the file (e.g. a realtime URL) survive a login.
const profileSchema = z.looseObject({ key: z.string().min(1), url: z.string().url() });
const fileSchema = z.looseObject({
  default: z.string().min(1).optional(),
  profiles: z.record(z.string(), profileSchema).default({}),
});
export type Profile = z.infer<typeof profileSchema>;
export type CredentialsFile = z.infer<typeof fileSchema>;

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.BLOBHUB_HOME || path.join(os.homedir(), '.blobhub'), 'credentials.yaml');
}

/** The file's profiles, or none when it does not exist. Refuses a file others can read. */
export function readCredentials(file = credentialsPath()): CredentialsFile {
  if (!existsSync(file)) return { profiles: {} };
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new BlobHubError('insecure_credentials', `${file} is readable by others: run chmod 600 ${file}`);
  }
  const parsed = fileSchema.safeParse(parse(readFileSync(file, 'utf8')) ?? {});
  if (!parsed.success) throw new BlobHubError('invalid_credentials', `${file} is not a BlobHub credentials file: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Writes the whole file, 0600, through a temporary file: never half written. */
function writeCredentials(next: CredentialsFile, file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, stringify(next), { mode: 0o600 });
  chmodSync(partial, 0o600);
  renameSync(partial, file);
}

/** Adds or replaces one profile and makes it the default. */
export function saveProfile(name: string, profile: Profile, file = credentialsPath()): void {
  const current = readCredentials(file);
  writeCredentials({ ...current, default: name, profiles: { ...current.profiles, [name]: { ...current.profiles[name], ...profile } } }, file);
}

function requireProfile(current: CredentialsFile, name: string, file: string) {
  if (!current.profiles[name]) throw new BlobHubError('profile_not_found', `no profile ${name} in ${file}`);
}

/** Makes an existing profile the default. */
export function useProfile(name: string, file = credentialsPath()): void {
  const current = readCredentials(file);
  requireProfile(current, name, file);
  writeCredentials({ ...current, default: name }, file);
}

/** Forgets a profile; when it was the default, no profile is the default any more. */
export function removeProfile(name: string, file = credentialsPath()): void {
  const current = readCredentials(file);
  requireProfile(current, name, file);
  const { [name]: _removed, ...profiles } = current.profiles;
  writeCredentials({ ...current, default: current.default === name ? undefined : current.default, profiles }, file);
}

export interface ConnectOptions {
  profile?: string;
  apiKey?: string;
  /** an access token (`Authorization: Bearer`) instead of a key */
  token?: string;
  url?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedConnection {
  url: string;
  apiKey?: string;
  token?: string;
  /** where the credential came from: `option`, `env`, `profile:<name>` or `anonymous` */
  source: string;
}

/** Resolves URL and credential as the Python SDK's connect() does. */
export function resolveConnection(opts: ConnectOptions = {}): ResolvedConnection {
  const env = opts.env ?? process.env;
  const profileAsked = opts.profile ?? env.BLOBHUB_PROFILE;
  const needsProfile = profileAsked || !(opts.apiKey || opts.token || env.BLOBHUB_API_KEY) || !(opts.url || env.BLOBHUB_API_URL);
  const file = needsProfile ? readCredentials(credentialsPath(env)) : { profiles: {} as Record<string, Profile> };
  const profileName = profileAsked ?? file.default;
  const profile = profileName ? file.profiles[profileName] : undefined;
  if (profileAsked && !profile) {
    throw new BlobHubError('profile_not_found', `no profile ${profileName} in ${credentialsPath(env)} (run blobhub login --profile ${profileName})`);
  }
  const url = opts.url ?? env.BLOBHUB_API_URL ?? profile?.url ?? DEFAULT_API_URL;
  if (opts.token) return { url, token: opts.token, source: 'option' };
  if (opts.apiKey) return { url, apiKey: opts.apiKey, source: 'option' };
  if (env.BLOBHUB_API_KEY) return { url, apiKey: env.BLOBHUB_API_KEY, source: 'env' };
  if (profile) return { url, apiKey: profile.key, source: `profile:${profileName}` };
  return { url, source: 'anonymous' };
}
