/**
 * Process metrics (Prometheus text format at GET /metrics, via prom-client) and the capacity
 * checks that /readyz reports. Engines register what they own (e.g. the sandbox pool).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'blobhub_' });

/** An exporter of Prometheus text outside prom-client (the Temporal SDK's own), at `http://<address>/metrics`. */
const externalSources = new Set<string>();

/** Appends the exporter's series to /metrics; its host:port is one of the platform's own, closed to http.request. */
export function registerMetricsSource(address: string): void {
  externalSources.add(address);
}

export const metricsSourceAddresses = (): string[] => [...externalSources];

async function exporterText(address: string): Promise<string> {
  const response = await fetch(`http://${address}/metrics`);
  return response.ok ? response.text() : '';
}

/** The registry's metrics and every external source's, as one Prometheus text exposition. */
export async function allMetricsText(): Promise<string> {
  const texts = await Promise.all([metricsRegistry.metrics(), ...[...externalSources].map(exporterText)]);
  return texts.map((text) => (text.endsWith('\n') ? text : `${text}\n`)).join('');
}

export interface CapacityReport {
  /** new work has to wait for capacity that any org could use */
  saturated: boolean;
  details: object;
}

const capacityChecks = new Map<string, () => CapacityReport>();

/** A named capacity check; a saturated one makes /readyz answer 503. */
export function registerCapacityCheck(name: string, check: () => CapacityReport): void {
  capacityChecks.set(name, check);
}

/** Every capacity check as readiness reports it: `{sandbox: {status: 'ok' | 'saturated', …}}`. */
export function capacityStatus(): { saturated: boolean; capacity: Record<string, { status: 'ok' | 'saturated' }> } {
  const capacity = Object.fromEntries(
    [...capacityChecks].map(([name, check]) => {
      const report = check();
      return [name, { status: report.saturated ? ('saturated' as const) : ('ok' as const), ...report.details }];
    }),
  );
  return { saturated: Object.values(capacity).some((c) => c.status === 'saturated'), capacity };
}
