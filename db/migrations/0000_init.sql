CREATE SEQUENCE "public"."core_event_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role" text NOT NULL,
	"description" text,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_secret_hash_unique" UNIQUE("secret_hash")
);
--> statement-breakpoint
CREATE TABLE "auth_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"user_id" text,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "auth_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "blobs" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"visibility" text NOT NULL,
	"description" text,
	"latest_revision_id" text,
	"latest_snapshot_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credentials" (
	"id" text PRIMARY KEY NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"alias" text NOT NULL,
	"type" text NOT NULL,
	"description" text,
	"encrypted_body" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflow_definitions" (
	"id" text PRIMARY KEY NOT NULL,
	"revision_id" text NOT NULL,
	"alias" text NOT NULL,
	"content_hash" text NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"org_id" text,
	"blob_id" text,
	"revision_id" text,
	"session_id" text,
	"execution_id" text,
	"type" text NOT NULL,
	"message" text,
	"attributes" jsonb,
	"data" jsonb,
	"dedupe_key" text,
	"created_at" bigint NOT NULL,
	CONSTRAINT "events_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "workflow_execution_data" (
	"id" text PRIMARY KEY NOT NULL,
	"execution_id" text NOT NULL,
	"value" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflow_executions" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"revision_id" text NOT NULL,
	"definition_id" text NOT NULL,
	"alias" text NOT NULL,
	"definition_hash" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"input_data" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"output_data" jsonb,
	"error" jsonb,
	"parent_execution_id" text,
	"temporal_run_id" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "members" (
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"user_id" text NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "members_target_type_target_id_user_id_pk" PRIMARY KEY("target_type","target_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "metadata" (
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"key" text NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "metadata_target_type_target_id_key_pk" PRIMARY KEY("target_type","target_id","key")
);
--> statement-breakpoint
CREATE TABLE "onnx_files" (
	"revision_id" text NOT NULL,
	"path" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"storage_key" text NOT NULL,
	"description" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "onnx_files_revision_id_path_pk" PRIMARY KEY("revision_id","path")
);
--> statement-breakpoint
CREATE TABLE "onnx_uploads" (
	"operation_id" text PRIMARY KEY NOT NULL,
	"revision_id" text NOT NULL,
	"path" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text,
	"storage_key" text NOT NULL,
	"store_upload_id" text NOT NULL,
	"parts" jsonb NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operations" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"progress" real DEFAULT 0 NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"result" jsonb,
	"error" jsonb,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orgs" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"display_name" text,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orgs_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "revisions" (
	"id" text PRIMARY KEY NOT NULL,
	"blob_id" text NOT NULL,
	"number" integer NOT NULL,
	"phase" text NOT NULL,
	"status" text DEFAULT 'ready' NOT NULL,
	"status_reason" text,
	"parent_revision_id" text,
	"content_hash" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"committed_at" timestamp with time zone,
	"snapshotted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "schedule_executions" (
	"id" text PRIMARY KEY NOT NULL,
	"schedule_id" text NOT NULL,
	"fire_id" text NOT NULL,
	"scheduled_at" timestamp with time zone,
	"invocation_target_type" text NOT NULL,
	"invocation_target" jsonb NOT NULL,
	"status" text NOT NULL,
	"result" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schedule_executions_fire_id_unique" UNIQUE("fire_id")
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"id" text PRIMARY KEY NOT NULL,
	"revision_id" text NOT NULL,
	"blob_id" text NOT NULL,
	"org_id" text NOT NULL,
	"owner_id" text NOT NULL,
	"spec" jsonb NOT NULL,
	"state" text DEFAULT 'active' NOT NULL,
	"pause_note" text,
	"sync_state" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflow_session_objects" (
	"session_id" text NOT NULL,
	"alias" text NOT NULL,
	"type" text NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_session_objects_session_id_alias_pk" PRIMARY KEY("session_id","alias")
);
--> statement-breakpoint
CREATE TABLE "workflow_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"revision_id" text NOT NULL,
	"name" text,
	"metadata" jsonb,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflow_thread_items" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"alias" text NOT NULL,
	"user_id" text,
	"content" jsonb NOT NULL,
	"parent_id" text,
	"metadata" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"is_instance_admin" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auth_tokens" ADD CONSTRAINT "auth_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "blobs" ADD CONSTRAINT "blobs_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_definitions" ADD CONSTRAINT "workflow_definitions_revision_id_revisions_id_fk" FOREIGN KEY ("revision_id") REFERENCES "public"."revisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_execution_data" ADD CONSTRAINT "workflow_execution_data_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD CONSTRAINT "workflow_executions_session_id_workflow_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."workflow_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "members" ADD CONSTRAINT "members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "onnx_files" ADD CONSTRAINT "onnx_files_revision_id_revisions_id_fk" FOREIGN KEY ("revision_id") REFERENCES "public"."revisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "onnx_uploads" ADD CONSTRAINT "onnx_uploads_revision_id_revisions_id_fk" FOREIGN KEY ("revision_id") REFERENCES "public"."revisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "revisions" ADD CONSTRAINT "revisions_blob_id_blobs_id_fk" FOREIGN KEY ("blob_id") REFERENCES "public"."blobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_revision_id_revisions_id_fk" FOREIGN KEY ("revision_id") REFERENCES "public"."revisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_session_objects" ADD CONSTRAINT "workflow_session_objects_session_id_workflow_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."workflow_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_sessions" ADD CONSTRAINT "workflow_sessions_revision_id_revisions_id_fk" FOREIGN KEY ("revision_id") REFERENCES "public"."revisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_thread_items" ADD CONSTRAINT "workflow_thread_items_session_id_workflow_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."workflow_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_target_idx" ON "api_keys" USING btree ("target_type","target_id");--> statement-breakpoint
CREATE INDEX "auth_tokens_user_idx" ON "auth_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "blobs_org_name_idx" ON "blobs" USING btree ("org_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "credentials_alias_idx" ON "credentials" USING btree ("target_type","target_id","alias");--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_definitions_alias_idx" ON "workflow_definitions" USING btree ("revision_id","alias");--> statement-breakpoint
CREATE INDEX "events_session_seq_idx" ON "events" USING btree ("session_id","seq");--> statement-breakpoint
CREATE INDEX "events_execution_seq_idx" ON "events" USING btree ("execution_id","seq");--> statement-breakpoint
CREATE INDEX "events_revision_idx" ON "events" USING btree ("revision_id");--> statement-breakpoint
CREATE INDEX "events_blob_idx" ON "events" USING btree ("blob_id");--> statement-breakpoint
CREATE INDEX "events_org_idx" ON "events" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "workflow_execution_data_execution_idx" ON "workflow_execution_data" USING btree ("execution_id");--> statement-breakpoint
CREATE INDEX "workflow_executions_session_idx" ON "workflow_executions" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "workflow_executions_revision_idx" ON "workflow_executions" USING btree ("revision_id","created_at");--> statement-breakpoint
CREATE INDEX "members_user_idx" ON "members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "onnx_files_sha256_idx" ON "onnx_files" USING btree ("sha256");--> statement-breakpoint
CREATE INDEX "operations_target_idx" ON "operations" USING btree ("target_type","target_id");--> statement-breakpoint
CREATE UNIQUE INDEX "revisions_blob_number_idx" ON "revisions" USING btree ("blob_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "revisions_one_draft_idx" ON "revisions" USING btree ("blob_id") WHERE phase = 'draft';--> statement-breakpoint
CREATE INDEX "schedule_executions_schedule_idx" ON "schedule_executions" USING btree ("schedule_id","created_at");--> statement-breakpoint
CREATE INDEX "schedules_revision_idx" ON "schedules" USING btree ("revision_id");--> statement-breakpoint
CREATE INDEX "workflow_sessions_revision_idx" ON "workflow_sessions" USING btree ("revision_id");--> statement-breakpoint
CREATE INDEX "workflow_thread_items_idx" ON "workflow_thread_items" USING btree ("session_id","alias","created_at");