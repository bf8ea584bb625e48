/** Prometheus gauges of the realtime WebSocket server: open connections and their live subscriptions, over every server of the process. */
import { Gauge } from 'prom-client';
import type { WebSocket } from 'ws';
import { metricsRegistry } from '../../../core/metrics';
import type { RealtimeConnection } from './connection';

const openConnections = new Set<RealtimeConnection>();

/** Counts the connection until its socket closes. */
export function trackConnection(connection: RealtimeConnection, ws: WebSocket): void {
  openConnections.add(connection);
  ws.once('close', () => openConnections.delete(connection));
}

new Gauge({
  name: 'blobhub_realtime_connections',
  help: 'Open WebSocket connections to /v1/realtime',
  registers: [metricsRegistry],
  collect() {
    this.set(openConnections.size);
  },
});

new Gauge({
  name: 'blobhub_realtime_subscriptions',
  help: 'Subscriptions held by the open WebSocket connections',
  registers: [metricsRegistry],
  collect() {
    this.set([...openConnections].reduce((sum, connection) => sum + connection.activeSubscriptions.length, 0));
  },
});
