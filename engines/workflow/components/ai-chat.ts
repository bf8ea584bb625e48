/**
 * ai.chat: one OpenAI-compatible chat completion (`POST {base_url}/chat/completions`: OpenAI,
 * Azure/OpenRouter/Groq style gateways, vLLM, Ollama, LM Studio) through a stored credential
 * `{base_url, api_key, model?}`. The call goes through http.request's guarded dispatcher (the same
 * SSRF rules) and only to the credential's allowed_hosts; the key is redacted from whatever the
 * component returns. Retries are the component's own `retry` (a 429 waits at least its
 * Retry-After); a refused key is never retried.
 */
import { fetch } from 'undici';
import { z } from 'zod';
import { secretStringsOf } from '../../../core/credentials';
import type { ValueObject } from '../model';
import { primitiveOf } from '../values';
import { openCredential, redactingSecrets } from './credential-use';
import { BlockedDestinationError, guardedDispatcher } from './http-guard';
import { ComponentError, type ComponentRunContext, type ComponentRunResult, type ComponentType } from './registry';
import { fillTemplate, templateView } from './templating';

const MAX_CONTENT_CHARS = 256 * 1024;
const role = z.enum(['system', 'user', 'assistant']);
const chatMessage = z.object({ role, content: z.string().max(MAX_CONTENT_CHARS) }).strict();
type ChatMessage = z.infer<typeof chatMessage>;

export const aiChatConfig = z
  .object({
    /** alias of a credential {base_url, api_key, model?} on the blob, its org or the execution's creator */
    credential: z.string().min(1).max(128),
    /** the model; else the credential's */
    model: z.string().min(1).max(256).optional(),
    /** Mustache templates filled from the data inputs (`{{name}}`), sent before the inputs' `messages` and `prompt` */
    messages: z.array(chatMessage).max(100).optional(),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();
type AiChatConfig = z.infer<typeof aiChatConfig>;

const chatCredential = z.object({
  base_url: z.url({ protocol: /^https?$/ }),
  api_key: z.string().min(1),
  model: z.string().min(1).optional(),
});

/** The parts of an OpenAI-compatible answer the component reads; gateways add more. */
const chatCompletion = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({ role: z.string().default('assistant'), content: z.string().nullable().default(null) }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() }).partial().optional(),
});

/** A model may take long to answer: above http.request's default, within the default component timeout of 5 minutes. */
const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_RESPONSE_CHARS = 5 * 1024 * 1024;

export const aiChat: ComponentType<AiChatConfig> = {
  type: 'ai.chat',
  description: "One chat completion from an OpenAI-compatible endpoint (a stored credential); the assistant's answer and the token usage are its outputs.",
  category: 'ai',
  config: aiChatConfig,
  runsIn: 'activity',
  routes: () => ['success', 'failure'],
  // `messages` (a messages value or a json list of {role, content}) and `prompt` (a user message) follow the config's
  // messages; every input is also a template variable
  inputs: () => 'any',
  outputs: () => ['content', 'message', 'usage', 'finish_reason'],
  run: (ctx) => redactingSecrets((secrets) => chat(ctx, secrets)),
};

/** A BlobHub message ({role, content: [{type: 'text', text}]}) or a plain {role, content} as a chat message. */
function chatMessageOf(item: unknown): ChatMessage {
  const plain = chatMessage.safeParse(item);
  if (plain.success) return plain.data;
  const blobhub = z
    .object({ role, content: z.array(z.object({ type: z.literal('text'), text: z.string() }).loose()) })
    .loose()
    .safeParse(item);
  if (blobhub.success) return { role: blobhub.data.role, content: blobhub.data.content.map((part) => part.text).join('') };
  throw new ComponentError('input messages must be a list of {role: system|user|assistant, content}', 'invalid_request');
}

function messagesOf(config: AiChatConfig, inputs: Record<string, ValueObject>): ChatMessage[] {
  const view = templateView(inputs);
  const messages = (config.messages ?? []).map((m) => ({ role: m.role, content: fillTemplate(m.content, view) }));
  const history = inputs.messages ? primitiveOf(inputs.messages) : undefined;
  if (history !== undefined) messages.push(...(Array.isArray(history) ? history : [history]).map(chatMessageOf));
  if (inputs.prompt) {
    const prompt = primitiveOf(inputs.prompt);
    messages.push({ role: 'user', content: typeof prompt === 'string' ? prompt : JSON.stringify(prompt) });
  }
  if (messages.length === 0) throw new ComponentError('no messages: set config.messages or connect a messages or prompt input', 'invalid_request');
  return messages;
}

function readCredential(body: Record<string, unknown>) {
  const parsed = chatCredential.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ComponentError('the credential is not a chat credential {base_url (http or https), api_key, model?}', 'credential_invalid');
}

/** Seconds or an HTTP date, as a delay in ms; nothing when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}

/** The error message the endpoint gave ({error: {message}}, OpenAI's shape), cut short. */
function serverMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') return `: ${message.slice(0, 500)}`;
  } catch {
    /* not JSON */
  }
  return '';
}

function statusFailure(status: number, host: string, text: string, retryAfter: string | null): ComponentError {
  const detail = serverMessage(text);
  if (status === 401 || status === 403) return new ComponentError(`${host} refused the credential's API key (HTTP ${status})${detail}`, 'llm_auth');
  if (status === 429) return new ComponentError(`${host} is rate limiting (HTTP 429)${detail}`, 'rate_limited', [], retryAfterMs(retryAfter));
  return new ComponentError(`HTTP ${status} from ${host}${detail}`, 'http_status');
}

async function chat(ctx: ComponentRunContext<AiChatConfig>, secrets: string[]): Promise<ComponentRunResult> {
  const { app, request, config, inputs, signal } = ctx;
  const messages = messagesOf(config, inputs);
  let endpoint: z.infer<typeof chatCredential> | undefined;
  const body = await openCredential(ctx, config.credential, (credentialBody) => {
    endpoint = readCredential(credentialBody);
    return new URL(endpoint.base_url);
  });
  secrets.push(...secretStringsOf({ api_key: body.api_key }));
  const { base_url, api_key } = endpoint!;
  const model = config.model ?? endpoint!.model;
  if (!model) throw new ComponentError('no model: set config.model or the credential body model', 'invalid_request');
  const url = `${base_url.replace(/\/+$/, '')}/chat/completions`;
  const host = new URL(url).host;
  // just under the component's own timeout, so that it ends with this component's message rather than Temporal's
  const timeoutMs = request.component.timeoutMs ? Math.max(1, request.component.timeoutMs - 250) : DEFAULT_TIMEOUT_MS;
  let res: Awaited<ReturnType<typeof fetch>>;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${api_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages, temperature: config.temperature, max_tokens: config.max_tokens }),
      dispatcher: guardedDispatcher(app),
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      // a redirect could carry the key to a host that is not allowed
      redirect: 'error',
    });
    text = await res.text();
  } catch (e) {
    const error = e as Error;
    if (error.cause instanceof BlockedDestinationError) throw new ComponentError(error.cause.message, 'blocked_destination');
    if (error.name === 'TimeoutError') throw new ComponentError(`${host} did not answer within ${timeoutMs} ms`, 'timeout');
    throw new ComponentError(`request to ${host} failed: ${error.message}`, 'network');
  }
  if (!res.ok) throw statusFailure(res.status, host, text, res.headers.get('retry-after'));
  if (text.length > MAX_RESPONSE_CHARS) throw new ComponentError('the answer is larger than 5 MiB', 'response_too_large');
  return answerOf(text, host);
}

function answerOf(text: string, host: string): ComponentRunResult {
  let parsed: z.infer<typeof chatCompletion>;
  try {
    parsed = chatCompletion.parse(JSON.parse(text));
  } catch {
    throw new ComponentError(`${host} did not answer with a chat completion`, 'bad_response');
  }
  const [choice] = parsed.choices;
  const content = choice!.message.content ?? '';
  return {
    route: 'success',
    outputs: {
      content: { value: { type: 'text', text: content } },
      message: { value: { type: 'message', message: { role: choice!.message.role, content: [{ type: 'text', text: content }] } } },
      usage: { value: { type: 'json', json: { model: parsed.model ?? null, ...parsed.usage } } },
      finish_reason: { value: { type: 'text', text: choice!.finish_reason ?? '' } },
    },
  };
}
