-- Every change that can revoke or alter a credential (a revoked or deleted API key or token, an
-- expiry moved, a user deleted or their admin flag changed) tells the API processes, which empty
-- their credential caches (core/credential-cache.ts). New rows need no notification: nothing
-- cached can be stale about them. The notification is sent at commit, with the change.
CREATE FUNCTION "blobhub_credentials_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('blobhub_credentials', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "users_credentials_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "users" FOR EACH STATEMENT EXECUTE FUNCTION "blobhub_credentials_changed"();--> statement-breakpoint
CREATE TRIGGER "api_keys_credentials_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "api_keys" FOR EACH STATEMENT EXECUTE FUNCTION "blobhub_credentials_changed"();--> statement-breakpoint
CREATE TRIGGER "auth_tokens_credentials_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "auth_tokens" FOR EACH STATEMENT EXECUTE FUNCTION "blobhub_credentials_changed"();
