/**
 * The profile file of BlobHub's published clients (`blobhub` SDK and CLI):
 * `$HOME/.blobhub/credentials.yaml` = `{default: name, profiles: {name: {key, url}}}`, mode 0600,
 * `url` including `/v1`. The clients read it from the home directory only, so dev mode writes one
 * under its data dir and tells the user to point HOME there (or to run `blobhub login`).
 */
import path from 'node:path';
import { saveProfile } from '../../sdk/profiles';

export interface ClientProfile {
  name: string;
  key: string;
  /** the API base URL, ending in /v1 */
  url: string;
}

/** The home directory (for HOME=…) whose `.blobhub/credentials.yaml` dev mode writes. */
export const clientHomeOf = (dataDir: string) => path.join(dataDir, 'client-home');
export const credentialsFileOf = (home: string) => path.join(home, '.blobhub', 'credentials.yaml');

/** Adds (or replaces) one profile and makes it the default, as `blobhub login` does; returns the file. */
export function writeClientProfile(home: string, profile: ClientProfile): string {
  const file = credentialsFileOf(home);
  saveProfile(profile.name, { key: profile.key, url: profile.url }, file);
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
