/**
 * The profile file of BlobHub's published clients (`blobhub` SDK and CLI):
 * `$HOME/.blobhub/credentials.yaml` = `{default: name, profiles: {name: {key, url}}}`, mode 0600,
 * `url` including `/v1`. The clients read it from the home directory only, so dev mode writes one
 * under its data dir and tells the user to point HOME there (or to run `blobhub login`).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

export interface ClientProfile {
  name: string;
  key: string;
  /** the API base URL, ending in /v1 */
  url: string;
}

interface ProfileFile {
  default?: string | null;
  profiles?: Record<string, { key: string; url: string }>;
}

/** The home directory (for HOME=…) whose `.blobhub/credentials.yaml` dev mode writes. */
export const clientHomeOf = (dataDir: string) => path.join(dataDir, 'client-home');
export const credentialsFileOf = (home: string) => path.join(home, '.blobhub', 'credentials.yaml');

/** Adds (or replaces) one profile and makes it the default; other profiles are kept. Returns the file. */
export function writeClientProfile(home: string, profile: ClientProfile): string {
  const file = credentialsFileOf(home);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const current: ProfileFile = existsSync(file) ? ((parse(readFileSync(file, 'utf8')) as ProfileFile | null) ?? {}) : {};
  const next: ProfileFile = { default: profile.name, profiles: { ...current.profiles, [profile.name]: { key: profile.key, url: profile.url } } };
  // written beside and renamed, so a reader never sees half a file; 0600 before any key is in it
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, stringify(next), { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return file;
}

/** What to tell the user: how the published clients find this profile. */
export function clientProfileHelp(home: string, profile: ClientProfile): string[] {
  return [
    `profile "${profile.name}" for the blobhub SDK and CLI written to ${credentialsFileOf(home)}`,
    `  use it:  HOME=${home} blobhub whoami     (the clients read $HOME/.blobhub/credentials.yaml)`,
    `  or keep your own HOME:  blobhub login --profile ${profile.name} --api-url ${profile.url} --api-key-stdin`,
    `  or by environment:  BLOBHUB_API_URL=${profile.url} BLOBHUB_API_KEY=<the key above>`,
  ];
}
