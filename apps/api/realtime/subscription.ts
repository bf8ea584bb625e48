/** One subscription of a realtime connection: replay-then-live, holding live events while the replay runs and dropping their copies the replay already sent. */
import type { EventRow } from '../../../core/events';
import type { RealtimeConnection } from './connection';
import type { EventListener } from './hub';
import { keyParamsJson, keyString, type SubscriptionKey } from './protocol';
import type { Target } from './targets';

/** replayed core event ids remembered to drop their late live copies (core seq is not commit order) */
const RECENT_REPLAYED_IDS = 1000;

export class Subscription {
  readonly id: string;
  readonly keyParams: string;
  active = true;
  private replaying: boolean;
  private held: EventRow[] = [];
  /** session streams arrive in seq order, so the last replayed seq tells what was sent */
  private lastReplayedSeq = -1;
  private recentReplayedIds = new Set<string>();
  readonly listener: EventListener = (row) => this.onLive(row);

  constructor(
    private readonly connection: RealtimeConnection,
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
    return this.target.stream.kind === 'session' ? row.seq <= this.lastReplayedSeq : this.recentReplayedIds.has(row.id);
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
    if (this.target.stream.kind === 'session') return;
    this.recentReplayedIds.add(row.id);
    if (this.recentReplayedIds.size > RECENT_REPLAYED_IDS) this.recentReplayedIds.delete(this.recentReplayedIds.values().next().value!);
  }

  /** Ends the replay: live events that arrived meanwhile follow, minus those the replay sent. */
  goLive() {
    this.replaying = false;
    for (const row of this.held) if (!this.replayed(row)) this.connection.sendEvent(this, row);
    this.held = [];
  }
}
