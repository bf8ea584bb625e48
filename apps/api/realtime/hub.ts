/**
 * One LISTEN per process: committed rows arrive on 'blobhub_events' (the ids of rows too large
 * for a notification are fetched, in batches) and are fanned out to every subscribed connection. Session events are delivered strictly in `seq`
 * order with no gap: seq is allocated under the session row lock, so when seq n is visible every
 * seq below it is committed too, and a jump (a NOTIFY overtaken by a later one, or lost while the
 * LISTEN connection reconnected) is filled from the table before n is delivered.
 */
import { and, asc, eq, gt, inArray, lte } from 'drizzle-orm';
import type { App } from '../../../core/app';
import { isAuditEvent } from '../../../core/audit';
import { EVENTS_CHANNEL, parseEventNotification, type EventRow } from '../../../core/events';
import { events, sessions } from '../../../db/schema';
import { logger } from '../../../core/log';

export type EventListener = (row: EventRow) => void;

/** Streams a subscription can follow: one session's events, core events of an org/blob/revision, or an org's audit entries. */
export type StreamRef = { kind: 'session'; id: string } | { kind: 'organization' | 'blob' | 'revision' | 'audit_log'; id: string };

class SessionStream {
  readonly listeners = new Set<EventListener>();
  private lastSeq = 0;
  private queue: Promise<void>;
  /** resolves once the stream knows where the session stands (its last committed seq) */
  readonly ready: Promise<void>;

  constructor(
    private readonly app: App,
    private readonly sessionId: string,
  ) {
    this.ready = this.loadBaseline();
    this.queue = this.ready.catch(() => undefined);
  }

  private async loadBaseline() {
    const [row] = await this.app.db.select({ lastSeq: sessions.lastSeq }).from(sessions).where(eq(sessions.id, this.sessionId));
    this.lastSeq = row?.lastSeq ?? 0;
  }

  offer(row: EventRow) {
    this.queue = this.queue.then(() => this.accept(row)).catch((error) => logger.error({ err: error }, 'realtime: session stream failed'));
  }

  private async accept(row: EventRow) {
    if (row.seq <= this.lastSeq) return;
    const rows = row.seq === this.lastSeq + 1 ? [row] : await this.fillGap(row);
    for (const r of rows) {
      this.lastSeq = r.seq;
      for (const listener of this.listeners) listener(r);
    }
  }

  private fillGap(upTo: EventRow): Promise<EventRow[]> {
    return this.app.db
      .select()
      .from(events)
      .where(and(eq(events.sessionId, this.sessionId), gt(events.seq, this.lastSeq), lte(events.seq, upTo.seq)))
      .orderBy(asc(events.seq));
  }
}

export class EventHub {
  private readonly sessionStreams = new Map<string, SessionStream>();
  private readonly coreListeners = {
    organization: new Map<string, Set<EventListener>>(),
    blob: new Map<string, Set<EventListener>>(),
    revision: new Map<string, Set<EventListener>>(),
    audit_log: new Map<string, Set<EventListener>>(),
  };
  /** notified rows, and ids of rows still to read, in notification order */
  private pending: (EventRow | string)[] = [];
  private fetching = false;
  private unlisten?: () => Promise<void>;
  readonly started: Promise<void>;

  constructor(private readonly app: App) {
    this.started = app.database.notifier
      .listen(EVENTS_CHANNEL, (payload) => this.onNotify(payload))
      .then((unlisten) => {
        this.unlisten = unlisten;
      });
    // a failed LISTEN surfaces as a 500 on subscription/add, not as an unhandled rejection
    this.started.catch((error) => logger.error({ err: error }, 'realtime: LISTEN failed'));
  }

  /** Starts routing a stream's live events to the listener; resolves once live delivery is in place. */
  async attach(stream: StreamRef, listener: EventListener): Promise<void> {
    await this.started;
    if (stream.kind === 'session') {
      let s = this.sessionStreams.get(stream.id);
      if (!s) {
        s = new SessionStream(this.app, stream.id);
        this.sessionStreams.set(stream.id, s);
      }
      s.listeners.add(listener);
      try {
        await s.ready;
      } catch (error) {
        // a stream without its baseline would replay the session from seq 0 as live events
        this.sessionStreams.delete(stream.id);
        throw error;
      }
      return;
    }
    const byId = this.coreListeners[stream.kind];
    const set = byId.get(stream.id) ?? new Set();
    set.add(listener);
    byId.set(stream.id, set);
  }

  detach(stream: StreamRef, listener: EventListener) {
    if (stream.kind === 'session') {
      const s = this.sessionStreams.get(stream.id);
      s?.listeners.delete(listener);
      if (s && s.listeners.size === 0) this.sessionStreams.delete(stream.id);
      return;
    }
    const byId = this.coreListeners[stream.kind];
    const set = byId.get(stream.id);
    set?.delete(listener);
    if (set && set.size === 0) byId.delete(stream.id);
  }

  private get idle() {
    return this.sessionStreams.size === 0 && Object.values(this.coreListeners).every((m) => m.size === 0);
  }

  private onNotify(payload: string) {
    if (this.idle) return;
    try {
      this.pending.push(...parseEventNotification(payload));
    } catch (error) {
      logger.error({ err: error }, 'realtime: unreadable notification');
      return;
    }
    if (!this.fetching) void this.drain();
  }

  /**
   * Routes notified rows in notification order; the ids among them are read in batches (one query
   * however many queued meanwhile), and a read that fails loses only those rows (a session stream
   * fills such a gap from the table at its next event).
   */
  private async drain() {
    this.fetching = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, 500);
        const ids = batch.filter((item): item is string => typeof item === 'string');
        const read = new Map<string, EventRow>();
        if (ids.length) {
          try {
            for (const row of await this.app.db.select().from(events).where(inArray(events.id, ids))) read.set(row.id, row);
          } catch (error) {
            logger.error({ err: error }, 'realtime: fetching notified events failed');
          }
        }
        for (const item of batch) {
          const row = typeof item === 'string' ? read.get(item) : item;
          if (row) this.route(row);
        }
      }
    } finally {
      this.fetching = false;
    }
  }

  private route(row: EventRow) {
    if (row.sessionId) {
      this.sessionStreams.get(row.sessionId)?.offer(row);
      return;
    }
    // audit entries reach the audit stream of their org only, never its change stream
    const targets: [keyof EventHub['coreListeners'], string | null][] = isAuditEvent(row.type)
      ? [['audit_log', row.orgId]]
      : [
          ['organization', row.orgId],
          ['blob', row.blobId],
          ['revision', row.revisionId],
        ];
    for (const [kind, id] of targets) {
      if (!id) continue;
      for (const listener of this.coreListeners[kind].get(id) ?? []) listener(row);
    }
  }

  async close() {
    await this.started.catch(() => undefined);
    await this.unlisten?.();
  }
}

const hubs = new WeakMap<App, { hub: EventHub; users: number }>();

/** The process's hub for this App (shared by every realtime server on it), started on first use. */
export function acquireHub(app: App): EventHub {
  const entry = hubs.get(app) ?? { hub: new EventHub(app), users: 0 };
  entry.users++;
  hubs.set(app, entry);
  return entry.hub;
}

export async function releaseHub(app: App) {
  const entry = hubs.get(app);
  if (!entry) return;
  if (--entry.users > 0) return;
  hubs.delete(app);
  await entry.hub.close();
}
