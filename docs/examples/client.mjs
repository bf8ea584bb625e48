import { readFileSync } from 'node:fs';

// What every example starts with: the API address and key from the environment, one REST call
// helper that throws on an error answer, and the engine-command helper for /revisions/:id/data.
const url = process.env.BLOBHUB_API_URL ?? 'http://localhost:8080/v1';
const key = process.env.BLOBHUB_API_KEY;
if (!key) throw new Error('set BLOBHUB_API_KEY (dev mode prints it and saves it in .blobhub/client-home/.blobhub/credentials.yaml)');

export async function call(method, path, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export const data = (revision, command, params) => call('POST', `/revisions/${revision}/data`, { engine: 'workflow_blobhub', command, ...params });

/** A new org holding a workflow blob `fibonacci` whose draft has fibonacci.json as alias `fib`. */
export async function fibonacciBlob(orgPrefix) {
  const { org } = await call('POST', '/orgs', { name: `${orgPrefix}-${Date.now().toString(36)}` });
  const { blob, revision } = await call('POST', `/orgs/${org.id}/blobs`, { name: 'fibonacci', type: 'workflow' });
  const definition = JSON.parse(readFileSync(new URL('./fibonacci.json', import.meta.url), 'utf8'));
  await data(revision.id, 'upload_definition', { alias: 'fib', definition });
  return { org, blob, revision };
}
