/**
 * email.send: one e-mail through an SMTP relay named by a stored credential
 * `{host, port?, secure?, starttls?, user?, password?, from}`. The relay is a destination like any
 * other: the credential's allowed_hosts must name it (`host:port`), and the connection goes only
 * to an address http-guard allows (the same SSRF rules as http.request), pinned so that DNS
 * cannot move it after the check, while TLS still verifies the certificate for the host name.
 */
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { secretStringsOf } from '../../../core/credentials';
import type { ValueObject } from '../model';
import type { ComponentRequest } from '../plan';
import { primitiveOf } from '../values';
import { guardedLookup, openCredential, redactingSecrets } from './credential-use';
import { ComponentError, type ComponentRunContext, type ComponentRunResult, type ComponentType } from './registry';
import { fillTemplate, templateView } from './templating';

const MAX_BODY_CHARS = 1024 * 1024;
const address = z.string().min(3).max(320);
/** one address, a comma-separated list, or a list */
const addresses = z.union([
  z
    .string()
    .min(3)
    .max(8 * 1024),
  z.array(address).min(1).max(100),
]);

export const emailSendConfig = z
  .object({
    /** alias of an SMTP credential on the blob, its org or the execution's creator */
    credential: z.string().min(1).max(128),
    to: addresses.optional(),
    cc: addresses.optional(),
    bcc: addresses.optional(),
    reply_to: address.optional(),
    /** Mustache templates filled from the data inputs (`{{name}}`); html escapes what it inserts */
    subject: z.string().max(998).optional(),
    text: z.string().max(MAX_BODY_CHARS).optional(),
    html: z.string().max(MAX_BODY_CHARS).optional(),
  })
  .strict();
type EmailSendConfig = z.infer<typeof emailSendConfig>;

/** What an SMTP credential's body holds. */
const smtpCredential = z.object({
  host: z.string().min(1).max(253),
  /** 465 with `secure`, else 587 */
  port: z.number().int().min(1).max(65_535).optional(),
  /** TLS from the first byte (SMTPS, port 465) */
  secure: z.boolean().default(false),
  /** on a plain connection, upgrade with STARTTLS and refuse to go on without it; false only for a relay on a trusted network */
  starttls: z.boolean().default(true),
  user: z.string().min(1).optional(),
  password: z.string().optional(),
  from: address,
});
type SmtpCredential = z.infer<typeof smtpCredential>;

const DEFAULT_TIMEOUT_MS = 30_000;

/** The ports that replace a config field when connected: an address list (text or a json list), a subject or body (text). */
type FieldInput = 'to' | 'cc' | 'bcc' | 'subject' | 'text' | 'html';

export const emailSend: ComponentType<EmailSendConfig> = {
  type: 'email.send',
  description: 'Sends one e-mail through an SMTP relay (a stored credential); subject and body are templates filled from the inputs.',
  category: 'email',
  config: emailSendConfig,
  runsIn: 'activity',
  routes: () => ['success', 'failure'],
  // to, cc, bcc, subject, text, html replace the config's; every input is also a template variable
  inputs: () => 'any',
  outputs: () => ['message_id', 'accepted', 'rejected'],
  run: (ctx) => redactingSecrets((secrets) => send(ctx, secrets)),
};

/**
 * The same for every attempt of one visit of the component, so that a mail a retry sends again
 * carries the Message-ID of the first and a receiver can drop the repeat.
 */
const messageIdOf = ({ execution, visit }: ComponentRequest) => `<${execution.executionId}.${visit}@blobhub>`;

const hostForUrl = (host: string) => (host.includes(':') ? `[${host}]` : host);

function readCredential(body: Record<string, unknown>): SmtpCredential {
  const parsed = smtpCredential.safeParse(body);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => i.path.join('.') || '(body)').join(', ');
  throw new ComponentError(
    `the credential is not an SMTP credential {host, port?, secure?, starttls?, user?, password?, from}: check ${fields}`,
    'credential_invalid',
  );
}

/** A connected input's plain value, or the config's; text fields are templates. */
function messageOf(config: EmailSendConfig, inputs: Record<string, ValueObject>) {
  const field = (name: FieldInput) => {
    const input = inputs[name];
    return input ? primitiveOf(input) : config[name];
  };
  const view = templateView(inputs);
  const template = (name: 'subject' | 'text' | 'html') => {
    const value = field(name);
    if (value === undefined) return undefined;
    return fillTemplate(typeof value === 'string' ? value : JSON.stringify(value), view, { html: name === 'html' });
  };
  const list = (name: 'to' | 'cc' | 'bcc') => {
    const value = field(name);
    if (value === undefined || typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))) return value;
    throw new ComponentError(`input ${name} must be text or a list of addresses`, 'invalid_request');
  };
  const message = { to: list('to'), cc: list('cc'), bcc: list('bcc'), subject: template('subject'), text: template('text'), html: template('html') };
  if (!message.to && !message.cc && !message.bcc) throw new ComponentError('no recipient: set to, cc or bcc (config or input)', 'invalid_request');
  if (message.text === undefined && message.html === undefined) throw new ComponentError('no body: set text or html (config or input)', 'invalid_request');
  return message;
}

/** nodemailer's error codes as the component's error kinds. */
function smtpFailure(e: unknown, relay: string): ComponentError {
  const { code, message } = e as { code?: string; message: string };
  if (code === 'EAUTH') return new ComponentError(`the SMTP relay ${relay} refused the login: ${message}`, 'smtp_auth');
  if (code === 'EENVELOPE') return new ComponentError(`the SMTP relay ${relay} refused the message's addresses: ${message}`, 'smtp_rejected');
  if (code === 'ETLS') return new ComponentError(`TLS with the SMTP relay ${relay} failed: ${message}`, 'smtp_tls');
  if (code === 'ETIMEDOUT' || code === 'ECONNECTION' || code === 'ESOCKET' || code === 'EDNS')
    return new ComponentError(`cannot reach the SMTP relay ${relay}: ${message}`, 'network');
  return new ComponentError(`the SMTP relay ${relay} failed: ${message}`, 'smtp');
}

async function send(ctx: ComponentRunContext<EmailSendConfig>, secrets: string[]): Promise<ComponentRunResult> {
  const { request, config, inputs, signal } = ctx;
  const message = messageOf(config, inputs);
  let smtp: SmtpCredential | undefined;
  const body = await openCredential(ctx, config.credential, (credentialBody) => {
    smtp = readCredential(credentialBody);
    return new URL(`smtp://${hostForUrl(smtp.host)}:${portOf(smtp)}`);
  });
  // the login is the secret; the relay's name and the sender are not, and errors name them
  secrets.push(...secretStringsOf({ user: body.user, password: body.password }));
  const relay = smtp!;
  const port = portOf(relay);
  const transport = nodemailer.createTransport({
    // connected to by its checked address, so that DNS cannot move it
    host: (await guardedLookup(ctx, relay.host, port)).address,
    port,
    servername: relay.host,
    secure: relay.secure,
    requireTLS: !relay.secure && relay.starttls,
    ignoreTLS: !relay.secure && !relay.starttls,
    auth: relay.user ? { user: relay.user, pass: relay.password ?? '' } : undefined,
    connectionTimeout: request.component.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    socketTimeout: request.component.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  // a cancelled execution drops the connection at once: the relay never gets the end of the message
  const abort = () => transport.close();
  signal.addEventListener('abort', abort);
  try {
    const sent = await transport.sendMail({ ...message, from: relay.from, replyTo: config.reply_to, messageId: messageIdOf(request) });
    return {
      route: 'success',
      outputs: {
        message_id: { value: { type: 'text', text: sent.messageId } },
        accepted: { value: { type: 'json', json: sent.accepted.map(addressText) } },
        rejected: { value: { type: 'json', json: sent.rejected.map(addressText) } },
      },
    };
  } catch (e) {
    throw smtpFailure(e, `${relay.host}:${port}`);
  } finally {
    signal.removeEventListener('abort', abort);
    transport.close();
  }
}

const addressText = (a: string | { address: string }) => (typeof a === 'string' ? a : a.address);
const portOf = (smtp: SmtpCredential) => smtp.port ?? (smtp.secure ? 465 : 587);
