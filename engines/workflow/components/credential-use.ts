/**
 * What the components that connect with a stored credential share (http.request, sql.query, s3.*,
 * email.send, ai.chat): opening it for one destination inside the activity (its refusals are the
 * component's errors: credential_not_found, credential_forbidden, credential_host_not_allowed),
 * checking that destination against http-guard's rules, and redacting the credential's secrets
 * from everything the component hands back (outputs, error messages and logs), so that none reaches
 * an event, the execution row or Temporal history, even when a server echoes it.
 */
import type { LookupFunction } from 'node:net';
import { CredentialUseError, redactSecrets, redactString, secretStringsOf, useCredential, type CredentialBody } from '../../../core/credentials';
import { recordLineage } from '../lineage';
import { BlockedDestinationError, checkDestination, pinnedLookup } from './http-guard';
import { ComponentError, type ComponentRunContext, type ComponentRunResult } from './registry';

/**
 * The credential `alias` as the execution's starter may use it towards `url` (on its
 * allowed_hosts), or towards the address its body names when `url` reads that from the body.
 * Its use goes into the execution's lineage (by alias and id, never its body).
 */
export async function openCredential(ctx: ComponentRunContext<unknown>, alias: string, url: URL | ((body: CredentialBody) => URL)): Promise<CredentialBody> {
  const { execution } = ctx.request;
  const credential = await useCredential(ctx.app, {
    executor: { userId: execution.createdBy, keyId: execution.createdByKeyId },
    orgId: execution.orgId,
    blobId: execution.blobId,
    alias,
    url,
  }).catch((e: unknown) => {
    throw e instanceof CredentialUseError ? new ComponentError(e.message, e.kind) : e;
  });
  await recordLineage(ctx.app, ctx.request, {
    kind: 'credential',
    ref: alias,
    details: { credential_id: credential.id, scope: credential.targetType, type: credential.type },
  });
  return credential.body;
}

/**
 * A lookup for sockets to `host:port` that answers only with the addresses the outbound policy
 * allows (the platform's own services are never among them); throws `blocked_destination` otherwise.
 */
export async function guardedLookup(ctx: ComponentRunContext<unknown>, host: string, port: number): Promise<{ lookup: LookupFunction; address: string }> {
  try {
    const addresses = await checkDestination(ctx.app, host, port);
    return { lookup: pinnedLookup(addresses), address: addresses[0]!.address };
  } catch (e) {
    if (e instanceof BlockedDestinationError) throw new ComponentError(e.message, 'blocked_destination');
    throw new ComponentError(`cannot resolve ${host}: ${(e as Error).message}`, 'network');
  }
}

/** Runs `work`, which pushes the secret strings it opens onto the list it is given, and redacts them from its result and error. */
export async function redactingSecrets(work: (secrets: string[]) => Promise<ComponentRunResult>): Promise<ComponentRunResult> {
  const secrets: string[] = [];
  try {
    return redactSecrets(await work(secrets), secrets);
  } catch (e) {
    if (e instanceof ComponentError) {
      const redact = (text: string) => redactString(text, secrets);
      throw new ComponentError(redact(e.message), e.kind, e.logs.map(redact), e.retryAfterMs);
    }
    throw e;
  }
}

/** The strings of a credential's secret fields (and what was derived from them), for redactingSecrets. */
export const secretFieldsOf = (body: CredentialBody, fields: string[], ...derived: unknown[]) =>
  secretStringsOf(
    fields.map((field) => body[field]),
    ...derived,
  );
