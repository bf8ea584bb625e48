/** The sandbox pool's gauges and wait histogram, and its /readyz capacity check. */
import { Gauge, Histogram } from 'prom-client';
import { metricsRegistry, registerCapacityCheck } from '../../../core/metrics';
import type { FairGate, QueueReason } from './fair-gate';

export function registerSandboxMetrics(gate: FairGate) {
  const registers = [metricsRegistry];
  const gauge = (name: string, help: string, read: (g: Gauge) => void, labelNames: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        read(this);
      },
    });
  gauge('blobhub_sandbox_threads', 'sandbox threads of this worker', (g) => g.set(gate.stats().threads));
  gauge('blobhub_sandbox_running', 'logic.code runs holding a sandbox thread', (g) => g.set(gate.stats().running));
  gauge('blobhub_sandbox_running_long', 'runs with a time limit above BLOBHUB_SANDBOX_LONG_RUN_MS holding a thread', (g) => g.set(gate.stats().running_long));
  gauge('blobhub_sandbox_saturated', '1 while runs wait for a thread any org could use', (g) => g.set(gate.stats().saturated ? 1 : 0));
  gauge(
    'blobhub_sandbox_queued',
    'logic.code runs waiting for a sandbox thread, by reason',
    (g) => {
      for (const [reason, n] of Object.entries(gate.stats().queued_by_reason)) g.set({ reason }, n);
    },
    ['reason'],
  );
  registerCapacityCheck('sandbox', () => {
    const stats = gate.stats();
    return { saturated: stats.saturated, details: stats };
  });
  const wait = new Histogram({
    name: 'blobhub_sandbox_queue_wait_seconds',
    help: 'time logic.code runs waited for a sandbox thread',
    labelNames: ['reason'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
    registers,
  });
  return { observeWait: (reason: QueueReason | 'none', ms: number) => wait.observe({ reason }, ms / 1000) };
}
