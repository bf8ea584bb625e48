/**
 * The Helm chart (deploy/helm/blobhub), as helm itself renders it: `helm lint`, and `helm template`
 * checked by kubeconform against the Kubernetes schemas (made offline by scripts/install-services.sh),
 * then what an operator relies on: the API and the worker get an environment BlobHub accepts, from
 * existing secrets, with probes, non-root and read-only root file systems, and a worker autoscaler.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../core/config';

const root = path.resolve(import.meta.dirname, '../..');
const chart = path.join(root, 'deploy/helm/blobhub');
const tool = (name: string) => path.join(root, '.tools/bin', name);
const schemas = path.join(root, '.tools/kubernetes-json-schema/standalone-strict');

interface SecretKeyRef {
  name: string;
  key: string;
  optional?: boolean;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: SecretKeyRef };
}
interface Probe {
  httpGet: { path: string; port: string };
}
interface Container {
  name: string;
  command?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string } }[];
}
interface Manifest {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    template?: { metadata?: { annotations?: Record<string, string> }; spec: PodSpec };
    scaleTargetRef?: { kind: string; name: string };
    metrics?: { resource?: { name: string } }[];
  };
}

/** helm template with --set pairs (helm types them: "false" a boolean, "5" a number); the YAML, or the error helm printed. */
function render(values: Record<string, string> = {}) {
  const sets = Object.entries(values).flatMap(([key, value]) => ['--set', `${key}=${value}`]);
  const out = spawnSync(tool('helm'), ['template', 'blobhub', chart, '--namespace', 'blobhub', ...sets], { encoding: 'utf8' });
  return { status: out.status, yaml: out.stdout, error: out.stderr };
}

function manifests(values: Record<string, string> = {}): Manifest[] {
  const { status, yaml, error } = render(values);
  expect(status, error).toBe(0);
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** kubeconform's verdict on rendered YAML: strict (no unknown fields), offline schemas only. */
function kubeconform(yaml: string) {
  const location = `${schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
  const out = spawnSync(tool('kubeconform'), ['-strict', '-summary', '-output', 'json', '-schema-location', location, '-'], { input: yaml, encoding: 'utf8' });
  return {
    status: out.status,
    report: JSON.parse(out.stdout) as { resources?: { kind: string; status: string; msg: string }[]; summary: Record<string, number> },
  };
}

const byKind = (all: Manifest[], kind: string) => all.filter((m) => m.kind === kind);
const deployment = (all: Manifest[], component: 'api' | 'worker') => all.find((m) => m.kind === 'Deployment' && m.metadata.name === `blobhub-${component}`)!;
const containerOf = (all: Manifest[], component: 'api' | 'worker') => deployment(all, component).spec!.template!.spec.containers[0]!;

/** The environment a container starts with, secrets filled in from `secrets` (name/key → value), as Kubernetes would. */
function environmentOf(all: Manifest[], component: 'api' | 'worker', secrets: Record<string, string>) {
  const container = containerOf(all, component);
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) Object.assign(env, all.find((m) => m.kind === 'ConfigMap' && m.metadata.name === from.configMapRef?.name)?.data);
  for (const v of container.env ?? []) {
    const ref = v.valueFrom?.secretKeyRef;
    const value = ref ? secrets[`${ref.name}/${ref.key}`] : v.value;
    if (value === undefined && !ref?.optional) throw new Error(`${component}: ${v.name} from a secret key the test did not provide`);
    if (value !== undefined) env[v.name] = value;
  }
  return env;
}

const secrets = {
  'blobhub-database/url': 'postgres://blobhub:pg-secret@postgres.databases:5432/blobhub',
  'blobhub-secret-key/secret-key': 'a'.repeat(64),
  'blobhub-s3/access-key-id': 'AKIAEXAMPLE',
  'blobhub-s3/secret-access-key': 's3-secret',
};

describe('the Helm chart', () => {
  it('passes helm lint', () => {
    const out = spawnSync(tool('helm'), ['lint', chart, '--strict'], { encoding: 'utf8' });
    expect(out.status, out.stdout + out.stderr).toBe(0);
  });

  it('renders objects that the Kubernetes schemas accept, with its defaults and with every option on', () => {
    const everything = {
      'temporal.tls.existingSecret': 'temporal-client-tls',
      'temporal.tls.certKey': 'tls.crt',
      'temporal.tls.keyKey': 'tls.key',
      'temporal.tls.serverName': 'temporal.example.internal',
      'temporal.apiKey.existingSecret': 'temporal-api-key',
      'admin.existingSecret': 'blobhub-admin',
      'admin.email': 'ops@example.com',
      'env.OTEL_EXPORTER_OTLP_ENDPOINT': 'http://otel-collector.observability:4318',
      'worker.autoscaling.enabled': 'false',
      'imagePullSecrets[0].name': 'registry',
    };
    for (const values of [{}, everything]) {
      const { yaml } = render(values);
      const { status, report } = kubeconform(yaml);
      expect(status, JSON.stringify(report.resources)).toBe(0);
      // every object was checked against a schema: none skipped for want of one
      expect(report.summary).toMatchObject({ invalid: 0, errors: 0, skipped: 0 });
      expect(report.summary.valid).toBeGreaterThanOrEqual(7);
    }
  });

  it('is refused by kubeconform when an object does not match its schema', () => {
    const { yaml } = render();
    // a typo in a field name, as a hand edit of a template would make
    const broken = yaml.replace('readinessProbe:', 'readynessProbe:');
    const { status, report } = kubeconform(broken);
    expect(status).not.toBe(0);
    expect(report.resources?.find((r) => r.status === 'statusInvalid')?.msg).toMatch(/readynessProbe/);
  });

  it('runs the API and the worker from the image, probed on /healthz and /readyz', () => {
    const all = manifests();
    expect(containerOf(all, 'api').command).toEqual(['node', '--enable-source-maps', 'dist/api.js']);
    expect(containerOf(all, 'worker').command).toEqual(['node', '--enable-source-maps', 'dist/worker.js']);
    for (const component of ['api', 'worker'] as const) {
      const c = containerOf(all, component);
      expect(
        [c.startupProbe, c.livenessProbe, c.readinessProbe].map((p) => p?.httpGet.path),
        component,
      ).toEqual(['/healthz', '/healthz', '/readyz']);
      expect(c.resources?.requests, component).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    }
    const [service] = byKind(all, 'Service');
    expect(service?.metadata.name).toBe('blobhub');
  });

  it('wires the API and the worker from existing secrets with an environment BlobHub accepts', () => {
    const all = manifests();
    expect(byKind(all, 'Secret')).toEqual([]);
    for (const component of ['api', 'worker'] as const) {
      const config = loadConfig(environmentOf(all, component, secrets));
      expect(config, component).toMatchObject({
        BLOBHUB_DATABASE_URL: secrets['blobhub-database/url'],
        BLOBHUB_SECRET_KEY: secrets['blobhub-secret-key/secret-key'],
        BLOBHUB_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        BLOBHUB_TEMPORAL_ADDRESS: 'temporal-frontend.temporal.svc.cluster.local:7233',
        BLOBHUB_TEMPORAL_TASK_QUEUE: 'blobhub',
        dataDir: '/data',
      });
    }
    expect(loadConfig(environmentOf(all, 'api', secrets)).BLOBHUB_RUN_WORKER).toBe(false);
    expect(loadConfig(environmentOf(all, 'worker', secrets)).BLOBHUB_WORKER_HTTP_PORT).toBe(9090);
  });

  it('mounts the Temporal client certificate and passes the API key from their secrets', () => {
    const all = manifests({
      'temporal.tls.existingSecret': 'temporal-client-tls',
      'temporal.tls.certKey': 'tls.crt',
      'temporal.tls.keyKey': 'tls.key',
      'temporal.apiKey.existingSecret': 'temporal-api-key',
    });
    for (const component of ['api', 'worker'] as const) {
      const env = environmentOf(all, component, { ...secrets, 'temporal-api-key/api-key': 'tmprl-key' });
      expect(env, component).toMatchObject({
        BLOBHUB_TEMPORAL_TLS_CA_FILE: '/etc/blobhub/temporal/ca.crt',
        BLOBHUB_TEMPORAL_TLS_CERT_FILE: '/etc/blobhub/temporal/tls.crt',
        BLOBHUB_TEMPORAL_TLS_KEY_FILE: '/etc/blobhub/temporal/tls.key',
        BLOBHUB_TEMPORAL_API_KEY: 'tmprl-key',
      });
      const pod = deployment(all, component).spec!.template!.spec;
      expect(pod.volumes?.find((v) => v.name === 'temporal-tls')?.secret?.secretName).toBe('temporal-client-tls');
      expect(pod.containers[0]?.volumeMounts).toContainEqual({ name: 'temporal-tls', mountPath: '/etc/blobhub/temporal', readOnly: true });
    }
  });

  it('refuses to render without a required setting, naming the value', () => {
    const { status, error } = render({ 'database.existingSecret': '' });
    expect(status).not.toBe(0);
    expect(error).toContain('database.existingSecret');
    const mtlsHalf = render({ 'temporal.tls.existingSecret': 'temporal-client-tls', 'temporal.tls.certKey': 'tls.crt' });
    expect(mtlsHalf.error).toContain('temporal.tls.keyKey');
  });

  it('runs every container as non-root on a read-only root file system', () => {
    const all = manifests();
    const pods = [...byKind(all, 'Deployment').map((d) => d.spec!.template!.spec), ...byKind(all, 'Job').map((j) => j.spec!.template!.spec)];
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      for (const c of pod.containers) {
        expect(c.securityContext, c.name).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(c.volumeMounts, c.name).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      }
    }
  });

  it('scales the worker on CPU with an autoscaler, or leaves its replicas to the operator (KEDA) when that is off', () => {
    const all = manifests();
    const [hpa] = byKind(all, 'HorizontalPodAutoscaler');
    expect(hpa?.spec).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: 'blobhub-worker' }, metrics: [{ resource: { name: 'cpu' } }] });
    // with the autoscaler on, a helm upgrade must not reset the replica count it chose
    expect(deployment(all, 'worker').spec?.replicas).toBeUndefined();
    const manual = manifests({ 'worker.autoscaling.enabled': 'false', 'worker.replicas': '5' });
    expect(byKind(manual, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(deployment(manual, 'worker').spec?.replicas).toBe(5);
  });

  it('rolls the pods when a setting changes', () => {
    const checksum = (all: Manifest[]) => deployment(all, 'api').spec!.template!.metadata?.annotations?.['checksum/config'];
    expect(checksum(manifests())).not.toBe(checksum(manifests({ logLevel: 'debug' })));
  });
});
