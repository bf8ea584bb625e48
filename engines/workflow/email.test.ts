/**
 * email.send through REST on the real platform, against a local SMTP relay (smtp-server) standing
 * in for a third-party one: the mail arrives with the credential's login, templated from the
 * inputs, the password stays out of everything recorded, and the relay obeys the same
 * allow-list and SSRF rules as http.request.
 */
import type { AddressInfo } from 'node:net';
import { text as readText } from 'node:stream/consumers';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { comp, data, definition, eventsOf, flow, newWorkflowBlob, run, text, upload } from '../../test/support/workflow';

const PASSWORD = 'smtp-pass-9c4e2a7f1b';

interface Received {
  user?: string;
  from?: string;
  to: string[];
  raw: string;
}

let p: TestPlatform;
let rev: string;
let orgId: string;
let relay: SMTPServer;
let relayPort: number;
const received: Received[] = [];

/** A relay that wants a login (over plain SMTP: a test on loopback) and keeps every message it accepts. */
function startRelay() {
  relay = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer' && auth.password === PASSWORD) return callback(null, { user: auth.username });
      callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      readText(stream).then((raw) => {
        received.push({
          user: session.user as string | undefined,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      }, callback);
    },
  });
  return new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
}

async function addCredential(alias: string, body: Record<string, unknown>, allowedHosts: string[]) {
  const res = await p.admin.post(`/orgs/${orgId}/credentials`, { alias, type: 'smtp', body, allowed_hosts: allowedHosts });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const smtpBody = (port: number, password = PASSWORD) => ({
  host: '127.0.0.1',
  port,
  starttls: false,
  user: 'mailer',
  password,
  from: 'Flows <flows@example.com>',
});

/** start → email.send (name and order from the inputs) → end with the message id, or the error on its failure route */
function mailFlow(credential: string) {
  return definition(
    [
      comp('s', 'flow.start'),
      comp('m', 'email.send', {
        credential,
        subject: 'Order {{order.id}} shipped',
        text: 'Hello {{name}}, your {{order.items}} items are on their way.',
        html: '<p>Hello {{name}}</p>',
      }),
      comp('e', 'flow.end'),
      comp('failed', 'flow.end'),
    ],
    [
      flow('s', 'm'),
      flow('m', 'e'),
      flow('m', 'failed', 'failure'),
      data('s', 'to', 'm'),
      data('s', 'name', 'm'),
      data('s', 'order', 'm'),
      data('m', 'message_id', 'e'),
      data('m', 'accepted', 'e'),
      data('m', 'error', 'failed'),
    ],
  );
}

const inputs = (to: string) => [
  { alias: 'to', value: text(to) },
  { alias: 'name', value: text('<Ada>') },
  { alias: 'order', value: { type: 'json', json: { id: 'A-17', items: 3 } } },
];

beforeAll(async () => {
  await startRelay();
  relayPort = (relay.server.address() as AddressInfo).port;
  p = await startTestPlatform();
  ({ revisionId: rev } = await newWorkflowBlob(p.admin, 'mailers'));
  orgId = (await p.admin.get('/orgs/mailers')).body.org.id;
  await addCredential('relay', smtpBody(relayPort), [`127.0.0.1:${relayPort}`]);
});
afterAll(async () => {
  await p?.close();
  await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
});

describe('email.send', () => {
  it('sends the templated mail through the relay with the credential login, and outputs its message id', async () => {
    await upload(p.admin, rev, 'mail', mailFlow('relay'));
    const execution = await run(p.admin, rev, 'mail', inputs('ada@example.org'));
    expect(execution.status, JSON.stringify(execution.error)).toBe('completed');
    const outputs = Object.fromEntries(execution.output_data.map((o: { alias: string; value: unknown }) => [o.alias, o.value]));
    expect(outputs.accepted).toEqual({ type: 'json', json: ['ada@example.org'] });
    const messageId = outputs.message_id.text as string;
    expect(messageId).toMatch(new RegExp(`^<${execution.id}\\.m#1@blobhub>$`));

    const mail = received.at(-1)!;
    expect(mail).toMatchObject({ user: 'mailer', from: 'flows@example.com', to: ['ada@example.org'] });
    expect(mail.raw).toContain(`Message-ID: ${messageId}`);
    expect(mail.raw).toContain('Subject: Order A-17 shipped');
    expect(mail.raw).toContain('Hello <Ada>, your 3 items are on their way.');
    // the html body escapes what the inputs insert
    expect(mail.raw).toContain('<p>Hello &lt;Ada&gt;</p>');

    const recorded = JSON.stringify([execution, await eventsOf(p.admin, rev, execution.id)]);
    expect(recorded).not.toContain(PASSWORD);
  });

  it('takes its failure route with kind smtp_auth when the relay refuses the login, naming no password', async () => {
    await addCredential('wrong-login', smtpBody(relayPort, 'not-the-password'), [`127.0.0.1:${relayPort}`]);
    await upload(p.admin, rev, 'mail-wrong', mailFlow('wrong-login'));
    const before = received.length;
    const execution = await run(p.admin, rev, 'mail-wrong', inputs('ada@example.org'));
    expect(execution.status).toBe('completed');
    expect(execution.output_data[0].value.text).toContain('refused the login');
    expect(JSON.stringify(execution)).not.toContain('not-the-password');
    const exited = (await eventsOf(p.admin, rev, execution.id)).find((e) => e.type === 'processor.exited' && e.attributes.processor_id === 'm');
    expect(exited?.attributes).toMatchObject({ route: 'failure', kind: 'smtp_auth' });
    expect(received.length).toBe(before);
  });

  it('never connects to a relay outside the allow-list, nor to one of the platform own services', async () => {
    await addCredential('unlisted', smtpBody(relayPort), ['smtp.example.com:587']);
    await upload(p.admin, rev, 'mail-unlisted', mailFlow('unlisted'));
    const unlisted = await run(p.admin, rev, 'mail-unlisted', inputs('ada@example.org'));
    expect(unlisted.output_data[0].value.text).toContain('allowed_hosts');

    const apiPort = Number(new URL(p.url).port);
    await addCredential('own-api', smtpBody(apiPort), [`127.0.0.1:${apiPort}`]);
    await upload(p.admin, rev, 'mail-own', mailFlow('own-api'));
    const own = await run(p.admin, rev, 'mail-own', inputs('ada@example.org'));
    expect(own.output_data[0].value.text).toContain("one of the platform's own services");
    const exited = (await eventsOf(p.admin, rev, own.id)).find((e) => e.type === 'processor.exited' && e.attributes.processor_id === 'm');
    expect(exited?.attributes.kind).toBe('blocked_destination');
  });

  it('refuses a definition without a credential before it runs', async () => {
    const res = await p.admin.data(rev, 'workflow_blobhub', 'validate_definition', {
      definition: definition([comp('s', 'flow.start'), comp('m', 'email.send', { to: 'x@example.org', text: 'hi' })], [flow('s', 'm')]),
    });
    expect(res.body.valid).toBe(false);
    expect(JSON.stringify(res.body.errors)).toContain('credential');
  });
});
