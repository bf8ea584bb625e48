import { ulid } from 'ulid';

export const idPrefixes = {
  user: 'usr',
  org: 'org',
  blob: 'blb',
  revision: 'rev',
  apiKey: 'key',
  credential: 'crd',
  operation: 'op',
  definition: 'def',
  session: 'ses',
  execution: 'exe',
  event: 'evt',
  item: 'itm',
  schedule: 'sch',
  scheduleExecution: 'sex',
  member: 'mem',
  token: 'tok',
  upload: 'upl',
  auditEntry: 'aud',
  trigger: 'trg',
  invitation: 'inv',
} as const;

export type IdKind = keyof typeof idPrefixes;

export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${ulid().toLowerCase()}`;
}

export function hasPrefix(value: string, kind: IdKind): boolean {
  return value.startsWith(`${idPrefixes[kind]}_`);
}
