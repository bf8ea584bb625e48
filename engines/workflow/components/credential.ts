/**
 * The stored credential a component run uses, opened inside the activity: found by alias for the
 * execution's starter (blob, org, user), allowed for the destination `url`. Its refusals are the
 * component's errors (kinds credential_not_found, credential_forbidden, credential_host_not_allowed).
 */
import type { App } from '../../../core/app';
import { CredentialUseError, redactSecrets, redactString, useCredential, type CredentialBody } from '../../../core/credentials';
import type { ComponentRequest } from '../plan';
import { ComponentError, type ComponentRunResult } from './registry';

export async function componentCredential(app: App, { execution }: ComponentRequest, alias: string, url: URL | ((body: CredentialBody) => URL)) {
  return useCredential(app, {
    executor: { userId: execution.createdBy, keyId: execution.createdByKeyId },
    orgId: execution.orgId,
    blobId: execution.blobId,
    alias,
    url,
  }).catch((e: unknown) => {
    throw e instanceof CredentialUseError ? new ComponentError(e.message, e.kind) : e;
  });
}

/**
 * Runs a component's work that fills `secrets` with the strings of the credential it opened, and
 * redacts every one of them from what leaves the activity (outputs, error messages), so that a
 * credential reaches no event, execution row or Temporal history even when a server echoes it.
 */
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
