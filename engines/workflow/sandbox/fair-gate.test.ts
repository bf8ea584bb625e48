import { describe, expect, it } from 'vitest';
import { FairGate, type Admission, type QueueReason } from './fair-gate';

const policy = { threads: 3, orgConcurrency: 2, longRunMs: 5000, reservedShortThreads: 1, nice: 0 };
const LONG = 45_000;
const SHORT = 1000;

/** Enters the gate and records the order of admissions and the reasons for waiting. */
function harness() {
  const gate = new FairGate(policy);
  const admitted: string[] = [];
  const reasons: Record<string, QueueReason> = {};
  const enter = (name: string, orgId: string, timeoutMs: number, signal?: AbortSignal) =>
    gate.enter({ orgId, timeoutMs, signal, onQueued: (r) => (reasons[name] = r) }).then((a: Admission) => (admitted.push(name), a));
  return { gate, admitted, reasons, enter };
}

describe('the fair gate of the sandbox threads', () => {
  it('caps an org at its share, keeps a thread for short runs, and hands freed threads to the org with the fewest running', async () => {
    const { gate, admitted, reasons, enter } = harness();
    const a1 = await enter('a1', 'a', LONG);
    const a2 = await enter('a2', 'a', LONG);
    const a3 = enter('a3', 'a', LONG);
    const b1 = enter('b1', 'b', LONG);
    expect(reasons).toEqual({ a3: 'org_limit', b1: 'long_run_limit' });
    const c1 = await enter('c1', 'c', SHORT); // the thread kept for short runs
    const d1 = enter('d1', 'd', SHORT);
    expect(reasons.d1).toBe('pool_full');
    expect(gate.stats()).toMatchObject({ running: 3, running_long: 2, queued: 3, saturated: true });

    // b (none running) goes before a (one running), though a3 waited longer
    a1.leave();
    await b1;
    expect(admitted).toEqual(['a1', 'a2', 'c1', 'b1']);
    // now a holds none: its waiting run goes first, having waited longest
    a2.leave();
    await a3;
    c1.leave();
    await d1;
    expect(admitted).toEqual(['a1', 'a2', 'c1', 'b1', 'a3', 'd1']);
    expect(gate.stats()).toMatchObject({ running: 3, queued: 0, saturated: false });
  });

  it('drops a queued run whose signal aborts', async () => {
    const { gate, enter } = harness();
    await enter('a1', 'a', SHORT);
    await enter('a2', 'a', SHORT);
    const abort = new AbortController();
    const waiting = enter('a3', 'a', SHORT, abort.signal);
    abort.abort();
    await expect(waiting).rejects.toThrow('cancelled');
    expect(gate.stats().queued).toBe(0);
  });
});
