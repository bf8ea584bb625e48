/** Who makes a change and from where (docs/spec.md §3 "Audit log"): what the audit log and change events record. */
import type { auditChannels } from '../db/schema';
import type { Caller } from './access';

export type AuditChannel = (typeof auditChannels)[number];

/** Who makes a change, and from where. */
export interface Actor {
  userId: string | null;
  keyId: string | null;
  via: AuditChannel;
  clientIp: string | null;
  userAgent: string | null;
}

/** Where a request came from: its surface, the client's address and its user agent. */
export interface RequestOrigin {
  via: AuditChannel;
  clientIp?: string | null;
  userAgent?: string | null;
}

export function actorOf(caller: Caller, origin: RequestOrigin): Actor {
  return {
    userId: caller.kind === 'anonymous' ? null : caller.userId,
    keyId: caller.kind === 'key' ? caller.keyId : null,
    via: origin.via,
    clientIp: origin.clientIp ?? null,
    // a user agent is the client's free text: bounded so that an entry stays small
    userAgent: origin.userAgent?.slice(0, 512) ?? null,
  };
}

/** The actor as change events carry it (`attributes.actor`). */
export const actorAttributes = (actor: Actor) => ({ actor: { user_id: actor.userId, key_id: actor.keyId, via: actor.via } });
