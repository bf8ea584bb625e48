/**
 * Where http.request (and the components that connect to a user's database or object store:
 * sql.query, s3.*) may connect. By default only to public unicast addresses: never loopback,
 * link-local, private, shared (100.64/10), unspecified, multicast or other special ranges (their
 * IPv4-mapped, IPv4-compatible and NAT64 forms included) and never a cloud metadata service.
 * BLOBHUB_HTTP_ALLOW_HOSTS opens the hosts an operator names; the platform's own services (its
 * database, Temporal's gRPC, HTTP API, UI and metrics, the blob store, the API) stay closed whatever the list says.
 *
 * The check runs in the connector of the request's dispatcher, on the address the socket then
 * connects to, for every connection: each redirect hop is checked, and a name that resolves to
 * another address after the check (DNS rebinding) cannot slip through.
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import os from 'node:os';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector } from 'undici';
import type { App } from '../../../core/app';
import { metricsSourceAddresses } from '../../../core/metrics';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export class BlockedDestinationError extends Error {
  constructor(host: string, reason: string) {
    super(`refused to connect to ${host}: ${reason}`);
    this.name = 'BlockedDestinationError';
  }
}

const metadataHosts = new Set(['metadata.google.internal']);
const metadataAddresses = ['169.254.169.254', 'fd00:ec2::254'].map((a) => ipaddr.parse(a).toNormalizedString());

/** The names ipaddr.js gives special ranges, as a person reads them. */
const rangeNames: Record<string, string> = {
  unspecified: 'unspecified',
  loopback: 'loopback',
  linkLocal: 'link-local',
  private: 'private',
  uniqueLocal: 'private (unique local)',
  carrierGradeNat: 'shared (carrier-grade NAT)',
  multicast: 'multicast',
  broadcast: 'broadcast',
  rfc6052: 'NAT64',
  rfc6145: 'IPv4-translated',
};

interface ServiceEndpoint {
  host: string;
  port: number;
}

interface OutboundPolicy {
  allowedHosts: string[];
  allowedRanges: [Address, number][];
  ownServices: ServiceEndpoint[];
}

const defaultPort = (url: URL) =>
  Number(url.port) || (url.protocol === 'https:' ? 443 : url.protocol === 'postgres:' || url.protocol === 'postgresql:' ? 5432 : 80);
const endpointOf = (url: string): ServiceEndpoint => {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: defaultPort(parsed) };
};
const unbracketed = (host: string) => host.replace(/^\[(.*)\]$/, '$1').toLowerCase();

/** The platform's own endpoints, from its configuration and the addresses it actually uses. */
function ownServicesOf(app: App): ServiceEndpoint[] {
  const { config } = app;
  const { temporal } = app;
  const urls = [
    // Temporal's gRPC frontend, HTTP API (which reads and terminates any workflow), UI and metrics
    `grpc://${temporal.address}`,
    `http://${temporal.httpAddress}`,
    temporal.uiUrl,
    temporal.metricsAddress && `http://${temporal.metricsAddress}`,
    // the Temporal SDK's metrics exporter of this process's worker
    ...metricsSourceAddresses().map((address) => `http://${address}`),
    config.BLOBHUB_DATABASE_URL,
    config.BLOBHUB_S3_ENDPOINT,
    config.BLOBHUB_S3_PUBLIC_ENDPOINT,
    app.publicUrl,
  ];
  return [
    { host: config.BLOBHUB_HTTP_HOST, port: config.BLOBHUB_HTTP_PORT },
    ...(config.BLOBHUB_WORKER_HTTP_PORT ? [{ host: '0.0.0.0', port: config.BLOBHUB_WORKER_HTTP_PORT }] : []),
    ...urls.filter((url): url is string => Boolean(url)).map(endpointOf),
  ].map((e) => ({ ...e, host: unbracketed(e.host) }));
}

const policyOf = (app: App): OutboundPolicy => ({
  allowedHosts: app.config.BLOBHUB_HTTP_ALLOW_HOSTS.hosts,
  allowedRanges: app.config.BLOBHUB_HTTP_ALLOW_HOSTS.ranges,
  ownServices: ownServicesOf(app),
});

/**
 * An address as the policy judges it: IPv4-mapped (`::ffff:a.b.c.d`, by ipaddr.process) and the
 * deprecated IPv4-compatible form (`::a.b.c.d`, e.g. `::7f00:1`) become the IPv4 address they carry.
 */
function normalized(text: string): Address {
  const address = ipaddr.process(text);
  if (address.kind() !== 'ipv6') return address;
  const parts = (address as ipaddr.IPv6).parts;
  const [high = 0, low = 0] = parts.slice(6); // an IPv6 address has 8 parts
  const compatible = parts.slice(0, 6).every((p) => p === 0) && !(high === 0 && low <= 1);
  return compatible ? new ipaddr.IPv4([high >> 8, high & 255, low >> 8, low & 255]) : address;
}

async function addressesOf(host: string): Promise<Address[]> {
  if (ipaddr.isValid(host)) return [normalized(host)];
  return (await lookup(host, { all: true, verbatim: true })).map((r) => normalized(r.address));
}

const sameAddress = (a: Address, b: Address) => a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
const isThisMachine = (a: Address) => a.range() === 'loopback' || a.range() === 'unspecified';

/** This machine's own addresses: a service listening on 0.0.0.0 or loopback answers on each. */
function localAddresses(): Address[] {
  return Object.values(os.networkInterfaces())
    .flatMap((infos) => infos ?? [])
    .flatMap((info) => (ipaddr.isValid(info.address) ? [ipaddr.process(info.address)] : []));
}

async function isOwnService(policy: OutboundPolicy, address: Address, port: number): Promise<boolean> {
  for (const service of policy.ownServices.filter((s) => s.port === port)) {
    const serviceAddresses = await addressesOf(service.host).catch(() => []);
    if (serviceAddresses.some((a) => sameAddress(a, address))) return true;
    if (serviceAddresses.some(isThisMachine) && (isThisMachine(address) || localAddresses().some((a) => sameAddress(a, address)))) return true;
  }
  return false;
}

const inRange = (address: Address, [range, bits]: [Address, number]) => address.kind() === range.kind() && address.match(range, bits);

/** Why `address` (what `host` resolved to) may not be reached on `port`; null when it may. */
async function refusalOf(policy: OutboundPolicy, host: string, address: Address, port: number): Promise<string | null> {
  if (await isOwnService(policy, address, port)) return `${address.toString()}:${port} is one of the platform's own services`;
  if (policy.allowedHosts.includes(host) || policy.allowedRanges.some((range) => inRange(address, range))) return null;
  if (metadataAddresses.includes(address.toNormalizedString())) return `${address.toString()} is a cloud metadata service`;
  const range = address.range();
  if (range === 'unicast') return null;
  return `${address.toString()} is a ${rangeNames[range] ?? `reserved (${range})`} address; an operator can open it with BLOBHUB_HTTP_ALLOW_HOSTS`;
}

/** The addresses `hostname` resolves to, once each of them passed the policy; else a BlockedDestinationError. */
async function checkedAddresses(policy: OutboundPolicy, hostname: string, port: number): Promise<LookupAddress[]> {
  const host = unbracketed(hostname);
  if (metadataHosts.has(host) && !policy.allowedHosts.includes(host)) throw new BlockedDestinationError(host, 'it is a cloud metadata service');
  const addresses = await addressesOf(host);
  for (const address of addresses) {
    const reason = await refusalOf(policy, host, address, port);
    if (reason) throw new BlockedDestinationError(host, reason);
  }
  return addresses.map((a) => ({ address: a.toString(), family: a.kind() === 'ipv4' ? 4 : 6 }));
}

/** Checks where `hostname:port` leads under the app's policy, without connecting. */
export const checkDestination = (app: App, hostname: string, port: number) => checkedAddresses(policyOf(app), hostname, port);

/** A socket lookup that answers only with addresses already checked, so the connection cannot go elsewhere. */
export const pinnedLookup =
  (addresses: LookupAddress[]): LookupFunction =>
  (_hostname, options, callback) => {
    const fitting = addresses.filter((a) => !options.family || a.family === options.family);
    if (options.all) callback(null, fitting);
    else callback(null, fitting[0]?.address ?? '', fitting[0]?.family);
  };

/**
 * A dispatcher whose every connection goes to checked addresses (the socket looks the host up
 * in the checked list, and an address literal is checked as it is), while TLS still verifies
 * the certificate for the host name.
 */
function createGuardedDispatcher(app: App): Agent {
  const policy = policyOf(app);
  return new Agent({
    connect(options, callback) {
      const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
      checkedAddresses(policy, options.hostname, port).then(
        (addresses) => buildConnector({ lookup: pinnedLookup(addresses) })(options, callback),
        (error: Error) => callback(error, null),
      );
    },
  });
}

const dispatchers = new WeakMap<App, Agent>();

/**
 * The app's one guarded dispatcher: the policy is built once, and kept-alive connections (each
 * checked when it was opened) are reused across requests. Closed with the app.
 */
export function guardedDispatcher(app: App): Agent {
  let dispatcher = dispatchers.get(app);
  if (!dispatcher) {
    const created = createGuardedDispatcher(app);
    dispatchers.set(app, created);
    app.onClose(() => created.close());
    dispatcher = created;
  }
  return dispatcher;
}
