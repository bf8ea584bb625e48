/** One subscription of a realtime connection: replay-then-live, holding live events while the replay runs and dropping their copies the replay already sent. */
import type { EventRow } from '../../../core/events';
import type { EventListener } from './hub';
import { keyParamsJson, keyString, type SubscriptionKey } from './protocol';
import type { Target } from './targets';

/**
 * Where a subscription delivers: its connection (connection.ts), seen only through what delivery
 * needs, so the subscription does not depend on the connection that owns it.
 */
export interface SubscriptionOutlet {
  readonly limits: { readonly maxHeldEvents: number };
  sendEvent(subscription: Subscription, row: EventRow): void;
  closeAsTooSlow(): void;
}

export class Subscription {
  readonly id: string;
  readonly keyParams: string;
  active = true;
  private replaying: boolean;
  private held: EventRow[] = [];
  /** every stream commits and arrives in seq order (core/events.ts), so the last replayed seq tells what was sent */
  private lastReplayedSeq = -1;
  readonly listener: EventListener = (row) => this.onLive(row);

  constructor(
    private readonly connection: SubscriptionOutlet,
    readonly key: SubscriptionKey,
    readonly target: Target,
    readonly types: string[] | undefined,
    replaying: boolean,
  ) {
    this.id = keyString(key);
    this.keyParams = keyParamsJson(key);
    this.replaying = replaying;
  }

  private matches(row: EventRow) {
    return (!this.target.executionId || row.executionId === this.target.executionId) && (!this.types || this.types.includes(row.type));
  }

  /** A live event the replay already sent: its NOTIFY can arrive after the replay read it. */
  private replayed(row: EventRow) {
    return row.seq <= this.lastReplayedSeq;
  }

  private onLive(row: EventRow) {
    if (!this.active || !this.matches(row)) return;
    if (this.replaying) {
      this.held.push(row);
      if (this.held.length > this.connection.limits.maxHeldEvents) this.connection.closeAsTooSlow();
    } else if (!this.replayed(row)) {
      this.connection.sendEvent(this, row);
    }
  }

  markReplayed(row: EventRow) {
    this.lastReplayedSeq = row.seq;
  }

  /** Ends the replay: live events that arrived meanwhile follow, minus those the replay sent. */
  goLive() {
    this.replaying = false;
    for (const row of this.held) if (!this.replayed(row)) this.connection.sendEvent(this, row);
    this.held = [];
  }
}
