/**
 * ai.chat through REST on the real platform, against a local fake of an OpenAI-compatible
 * endpoint: templated messages and parameters reach it with the credential's key, the answer and
 * usage come back as outputs, and its failures (a refused key, rate limiting, no answer in time)
 * end the component as a user expects.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { text as readText } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { comp, data, definition, eventsOf, flow, newWorkflowBlob, run, text, upload } from '../../test/support/workflow';

const API_KEY = 'sk-test-5e1f0c9a7d3b';

interface ChatRequest {
  authorization?: string;
  body: { model: string; messages: { role: string; content: string }[]; temperature?: number; max_tokens?: number };
}

let p: TestPlatform;
let rev: string;
let orgId: string;
let server: http.Server;
let baseUrl: string;
const requests: ChatRequest[] = [];
/** 429 answers still to give before the next success */
let limitedFor = 0;

/**
 * The fake endpoint: answers with the last message upper-cased; a wrong key gets 401, the model
 * `slow` never an answer, and while `limitedFor` lasts a 429 with Retry-After.
 */
function startFakeOpenAi() {
  server = http.createServer((req, res) => {
    void readText(req).then((raw) => {
      const body = JSON.parse(raw) as ChatRequest['body'];
      requests.push({ authorization: req.headers.authorization, body });
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
      if (req.url !== '/v1/chat/completions') return json(404, { error: { message: 'no such route' } });
      if (req.headers.authorization !== `Bearer ${API_KEY}`)
        return json(401, { error: { message: `Incorrect API key provided: ${req.headers.authorization}` } });
      if (body.model === 'slow') return;
      if (limitedFor > 0) {
        limitedFor--;
        return json(429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '0' });
      }
      const last = body.messages.at(-1)!.content;
      json(200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: last.toUpperCase() }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
      });
    });
  });
  return new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}

async function addCredential(alias: string, body: Record<string, unknown>) {
  const res = await p.admin.post(`/orgs/${orgId}/credentials`, { alias, type: 'openai', body, allowed_hosts: [new URL(baseUrl).host] });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** start → ai.chat → end with its outputs, or its error on the failure route */
function chatFlow(config: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return definition(
    [comp('s', 'flow.start'), comp('c', 'ai.chat', config, extra), comp('e', 'flow.end'), comp('failed', 'flow.end')],
    [
      flow('s', 'c'),
      flow('c', 'e'),
      flow('c', 'failed', 'failure'),
      data('s', 'topic', 'c'),
      data('c', 'content', 'e'),
      data('c', 'usage', 'e'),
      data('c', 'message', 'e'),
      data('c', 'error', 'failed'),
    ],
  );
}

const outputsOf = (execution: { output_data: { alias: string; value: any }[] }) => Object.fromEntries(execution.output_data.map((o) => [o.alias, o.value]));

async function exitOf(executionId: string) {
  return (await eventsOf(p.admin, rev, executionId)).find((e) => e.type === 'processor.exited' && e.attributes.processor_id === 'c')?.attributes;
}

beforeAll(async () => {
  await startFakeOpenAi();
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  p = await startTestPlatform();
  ({ revisionId: rev } = await newWorkflowBlob(p.admin, 'thinkers'));
  orgId = (await p.admin.get('/orgs/thinkers')).body.org.id;
  await addCredential('llm', { base_url: baseUrl, api_key: API_KEY, model: 'tiny-1' });
  await addCredential('llm-wrong-key', { base_url: baseUrl, api_key: 'sk-wrong-8b2d4f6a' });
});
afterAll(async () => {
  await p?.close();
  server?.close();
});

describe('ai.chat', () => {
  it('sends the templated messages with the credential key and outputs the answer and the usage', async () => {
    const config = {
      credential: 'llm',
      temperature: 0.2,
      max_tokens: 64,
      messages: [
        { role: 'system', content: 'You write haiku.' },
        { role: 'user', content: 'A haiku about {{topic}}' },
      ],
    };
    await upload(p.admin, rev, 'haiku', chatFlow(config));
    const execution = await run(p.admin, rev, 'haiku', [{ alias: 'topic', value: text('autumn') }]);
    expect(execution.status, JSON.stringify(execution.error)).toBe('completed');
    expect(requests.at(-1)).toEqual({
      authorization: `Bearer ${API_KEY}`,
      body: {
        model: 'tiny-1',
        temperature: 0.2,
        max_tokens: 64,
        messages: [
          { role: 'system', content: 'You write haiku.' },
          { role: 'user', content: 'A haiku about autumn' },
        ],
      },
    });
    const outputs = outputsOf(execution);
    expect(outputs.content).toEqual(text('A HAIKU ABOUT AUTUMN'));
    expect(outputs.message).toEqual({ type: 'message', message: { role: 'assistant', content: [{ type: 'text', text: 'A HAIKU ABOUT AUTUMN' }] } });
    expect(outputs.usage.json).toEqual({ model: 'tiny-1', prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 });
    expect(JSON.stringify([execution, await eventsOf(p.admin, rev, execution.id)])).not.toContain(API_KEY);
  });

  it('retries a 429 by its retry policy and succeeds; without a policy it fails with kind rate_limited', async () => {
    const config = { credential: 'llm', model: 'tiny-2', messages: [{ role: 'user', content: 'hi {{topic}}' }] };
    await upload(p.admin, rev, 'limited', chatFlow(config, { retry: { maximum_attempts: 3, initial_interval_ms: 50 } }));
    limitedFor = 2;
    const before = requests.length;
    const retried = await run(p.admin, rev, 'limited', [{ alias: 'topic', value: text('there') }]);
    expect(retried.status, JSON.stringify(retried.error)).toBe('completed');
    expect(outputsOf(retried).content).toEqual(text('HI THERE'));
    expect(requests.length - before).toBe(3);
    expect(await exitOf(retried.id)).toMatchObject({ route: 'success', attempt: 3 });

    await upload(p.admin, rev, 'limited-once', chatFlow(config));
    limitedFor = 1;
    const once = await run(p.admin, rev, 'limited-once', [{ alias: 'topic', value: text('there') }]);
    expect(outputsOf(once).error.text).toContain('rate limiting (HTTP 429): Rate limit reached');
    expect(await exitOf(once.id)).toMatchObject({ route: 'failure', kind: 'rate_limited' });
  });

  it('fails at once with kind llm_auth when the key is refused, even with retries, and names no key', async () => {
    const config = { credential: 'llm-wrong-key', model: 'tiny-1', messages: [{ role: 'user', content: 'hi' }] };
    await upload(p.admin, rev, 'wrong-key', chatFlow(config, { retry: { maximum_attempts: 3, initial_interval_ms: 50 } }));
    const before = requests.length;
    const execution = await run(p.admin, rev, 'wrong-key', [{ alias: 'topic', value: text('x') }]);
    expect(requests.length - before).toBe(1);
    expect(await exitOf(execution.id)).toMatchObject({ route: 'failure', kind: 'llm_auth' });
    const error = outputsOf(execution).error.text as string;
    expect(error).toContain('refused the credential');
    expect(error).toContain('[redacted]');
    expect(JSON.stringify(execution)).not.toContain('sk-wrong-8b2d4f6a');
  });

  it('gives up on an endpoint that does not answer within the component timeout, with kind timeout', async () => {
    const config = { credential: 'llm', model: 'slow', messages: [{ role: 'user', content: 'hi' }] };
    await upload(p.admin, rev, 'slow', chatFlow(config, { timeout_ms: 1500 }));
    const execution = await run(p.admin, rev, 'slow', [{ alias: 'topic', value: text('x') }]);
    expect(outputsOf(execution).error.text).toContain('did not answer within');
    expect(await exitOf(execution.id)).toMatchObject({ route: 'failure', kind: 'timeout' });
  });
});
