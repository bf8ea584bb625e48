/**
 * Admission to the sandbox threads, fair across orgs. A run enters when
 *  - its org holds fewer than `orgConcurrency` threads (one org cannot take the whole pool),
 *  - a thread is free, and
 *  - for a long run (time limit above `longRunMs`), fewer than `threads - reservedShortThreads`
 *    long runs hold threads (so short components stay fast while long ones spin).
 * Otherwise it waits; when a thread frees, the waiting run of the org with the fewest running
 * goes first (ties: the one that waited longest).
 */
export interface SandboxPolicy {
  threads: number;
  orgConcurrency: number;
  longRunMs: number;
  reservedShortThreads: number;
  /** CPU niceness of the sandbox threads (0: as the worker) */
  nice: number;
}

/** Why a run waits: its org's share is used up, long runs hold their share, or every thread is busy. */
export type QueueReason = 'org_limit' | 'long_run_limit' | 'pool_full';

export interface SlotRequest {
  /** runs without an org (direct calls) are not capped per org */
  orgId?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** called once, when the run has to wait */
  onQueued?: (reason: QueueReason) => void;
}

export interface Admission {
  /** how long the run waited for its slot */
  waitedMs: number;
  leave(): void;
}

interface Waiter {
  orgKey: string;
  long: boolean;
  since: number;
  admit(): void;
}

export interface GateStats {
  threads: number;
  running: number;
  running_long: number;
  queued: number;
  queued_by_reason: Record<QueueReason, number>;
  /** runs wait for a thread that any org could use: the worker is at capacity */
  saturated: boolean;
  /** orgs holding threads (ids are not shown: health and metrics are unauthenticated) */
  orgs_running: number;
}

export class AbortedWhileQueued extends Error {}

export class FairGate {
  private running = 0;
  private runningLong = 0;
  private readonly byOrg = new Map<string, number>();
  private readonly waiting: Waiter[] = [];

  constructor(private policy: SandboxPolicy) {}

  configure(policy: SandboxPolicy): void {
    this.policy = policy;
    this.pump();
  }

  private longCapacity() {
    return Math.max(1, this.policy.threads - this.policy.reservedShortThreads);
  }

  private blocker(w: Pick<Waiter, 'orgKey' | 'long'>): QueueReason | null {
    if (w.orgKey && (this.byOrg.get(w.orgKey) ?? 0) >= this.policy.orgConcurrency) return 'org_limit';
    if (this.running >= this.policy.threads) return 'pool_full';
    if (w.long && this.runningLong >= this.longCapacity()) return 'long_run_limit';
    return null;
  }

  enter(request: SlotRequest): Promise<Admission> {
    const since = Date.now();
    const waiter = { orgKey: request.orgId ?? '', long: request.timeoutMs > this.policy.longRunMs, since };
    const admission = (): Admission => {
      this.take(waiter);
      let left = false;
      return { waitedMs: Date.now() - since, leave: () => void (left || ((left = true), this.release(waiter))) };
    };
    // pump() leaves no waiter that could start, so a run that can start now jumps no queue
    const reason = this.blocker(waiter);
    if (reason === null) return Promise.resolve(admission());
    request.onQueued?.(reason);
    return new Promise((resolve, reject) => {
      const queued: Waiter = { ...waiter, admit: () => (request.signal?.removeEventListener('abort', onAbort), resolve(admission())) };
      const onAbort = () => {
        const at = this.waiting.indexOf(queued);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new AbortedWhileQueued('the run was cancelled while it waited for a sandbox thread'));
      };
      if (request.signal?.aborted) return onAbort();
      request.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(queued);
      this.pump();
    });
  }

  private take(w: Pick<Waiter, 'orgKey' | 'long'>) {
    this.running++;
    if (w.long) this.runningLong++;
    if (w.orgKey) this.byOrg.set(w.orgKey, (this.byOrg.get(w.orgKey) ?? 0) + 1);
  }

  private release(w: Pick<Waiter, 'orgKey' | 'long'>) {
    this.running--;
    if (w.long) this.runningLong--;
    if (w.orgKey) {
      const left = (this.byOrg.get(w.orgKey) ?? 1) - 1;
      if (left === 0) this.byOrg.delete(w.orgKey);
      else this.byOrg.set(w.orgKey, left);
    }
    this.pump();
  }

  private pump() {
    for (;;) {
      let next: Waiter | undefined;
      for (const w of this.waiting) {
        if (this.blocker(w) !== null) continue;
        if (!next || (this.byOrg.get(w.orgKey) ?? 0) < (this.byOrg.get(next.orgKey) ?? 0)) next = w;
      }
      if (!next) return;
      this.waiting.splice(this.waiting.indexOf(next), 1);
      next.admit();
    }
  }

  stats(): GateStats {
    const queuedByReason: Record<QueueReason, number> = { org_limit: 0, long_run_limit: 0, pool_full: 0 };
    for (const w of this.waiting) queuedByReason[this.blocker(w) ?? 'pool_full']++;
    return {
      threads: this.policy.threads,
      running: this.running,
      running_long: this.runningLong,
      queued: this.waiting.length,
      queued_by_reason: queuedByReason,
      saturated: queuedByReason.pool_full > 0,
      orgs_running: this.byOrg.size,
    };
  }
}
