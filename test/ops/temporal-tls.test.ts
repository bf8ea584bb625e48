/**
 * Issue 27, Temporal anywhere: BlobHub (the API's client and the worker's native connection)
 * reaches Temporal over mTLS with a CA, a client certificate and a server name override. The dev
 * server (`temporal server start-dev`) has no TLS options, so a TLS-terminating proxy in front of
 * it (node:tls, ALPN h2, client certificates required and checked against the test's CA) stands
 * in for a secured frontend. Certificates are made with openssl in the test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config';
import { temporalConnectionOptions } from '../../core/temporal';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { fibonacciDefinition, integer, newWorkflowBlob, run, upload } from '../support/workflow';

const SERVER_NAME = 'temporal.test';
let dir: string;
let proxy: tls.Server;
let p: TestPlatform | undefined;
/** the TLS connections the proxy accepted, with whether the client's certificate was verified */
const accepted: { authorized: boolean; alpn: string | false | null }[] = [];

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const file = (name: string) => path.join(dir, name);

/** A CA, a server certificate for SERVER_NAME and a client certificate, both signed by the CA. */
function makeCertificates() {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=BlobHub test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  for (const [name, subject, extension] of [
    ['server', SERVER_NAME, `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth`],
    ['client', 'blobhub-worker', 'extendedKeyUsage=clientAuth'],
  ]) {
    writeFileSync(file(`${name}.ext`), `${extension}\n`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${subject}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  }
}

/** TLS in front of the dev server's plain gRPC port: the decrypted HTTP/2 stream is piped through as it is. */
function startTlsProxy(upstream: string): Promise<number> {
  const [host, port] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
  const read = (name: string) => readFileSync(file(name));
  proxy = tls.createServer(
    { key: read('server.key'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (socket) => {
      accepted.push({ authorized: socket.authorized, alpn: socket.alpnProtocol });
      const frontend = net.connect(port, host);
      socket.pipe(frontend).pipe(socket);
      const close = () => (socket.destroy(), frontend.destroy());
      socket.on('error', close);
      frontend.on('error', close);
    },
  );
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve((proxy.address() as net.AddressInfo).port)));
}

const tlsEnv = () => ({
  BLOBHUB_TEMPORAL_TLS_CA_FILE: file('ca.pem'),
  BLOBHUB_TEMPORAL_TLS_CERT_FILE: file('client.pem'),
  BLOBHUB_TEMPORAL_TLS_KEY_FILE: file('client.key'),
  BLOBHUB_TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-tls-'));
  makeCertificates();
  const proxyPort = await startTlsProxy(inject('temporalAddress'));
  p = await startTestPlatform({ env: { BLOBHUB_TEMPORAL_ADDRESS: `127.0.0.1:${proxyPort}`, ...tlsEnv() } });
}, 180_000);

afterAll(async () => {
  await p?.close();
  proxy?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('runs an execution with the API and the worker connected to Temporal over mTLS', async () => {
  const { revisionId } = await newWorkflowBlob(p!.admin, 'tls');
  await upload(p!.admin, revisionId, 'fibonacci', fibonacciDefinition());
  const execution = await run(p!.admin, revisionId, 'fibonacci', [{ alias: 'n', value: integer(10) }]);
  expect(execution).toMatchObject({ status: 'completed', output_data: [{ alias: 'result', value: integer(55) }] });
  // the API's client and the worker's native connection each came through the proxy, as h2 with a verified client certificate
  expect(accepted.length).toBeGreaterThanOrEqual(2);
  for (const connection of accepted) expect(connection).toEqual({ authorized: true, alpn: 'h2' });
});

it('refuses at start a TLS configuration that cannot work, naming the variable', () => {
  const base = { BLOBHUB_TEMPORAL_ADDRESS: 'temporal.example.com:7233' };
  const refusal = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('the configuration was accepted');
  };
  expect(refusal({ BLOBHUB_TEMPORAL_TLS_CERT_FILE: file('client.pem') })).toMatch(/BLOBHUB_TEMPORAL_TLS_KEY_FILE: mTLS needs both/);
  expect(refusal({ BLOBHUB_TEMPORAL_TLS_CA_FILE: file('missing.pem') })).toMatch(/BLOBHUB_TEMPORAL_TLS_CA_FILE: cannot read .*missing\.pem: ENOENT/);
  expect(refusal({ BLOBHUB_TEMPORAL_TLS_CA_FILE: file('client.ext') })).toMatch(/BLOBHUB_TEMPORAL_TLS_CA_FILE: .*client\.ext is not a PEM file/);
  expect(refusal({ BLOBHUB_TEMPORAL_ADDRESS: '', BLOBHUB_TEMPORAL_API_KEY: 'key' })).toMatch(
    /BLOBHUB_TEMPORAL_ADDRESS: TLS and API-key settings are for an existing Temporal/,
  );
  expect(refusal({ BLOBHUB_TEMPORAL_TLS_SERVER_NAME: 'not a host' })).toMatch(/BLOBHUB_TEMPORAL_TLS_SERVER_NAME: must be a hostname/);
  // Temporal Cloud with an API key: TLS with the system's CAs, the key sent as a bearer token
  const cloud = loadConfig({ ...base, BLOBHUB_TEMPORAL_API_KEY: 'cloud-key' });
  expect(temporalConnectionOptions(cloud, base.BLOBHUB_TEMPORAL_ADDRESS)).toEqual({
    address: base.BLOBHUB_TEMPORAL_ADDRESS,
    apiKey: 'cloud-key',
    tls: { serverRootCACertificate: undefined, serverNameOverride: undefined, clientCertPair: undefined },
  });
});
