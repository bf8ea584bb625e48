CREATE TABLE "audit_log" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text,
	"actor_user_id" text,
	"actor_key_id" text,
	"via" text NOT NULL,
	"client_ip" text,
	"user_agent" text,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"changes" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "created_by_key_id" text;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "trigger" text DEFAULT 'manual' NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_log_org_idx" ON "audit_log" USING btree ("org_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_org_target_idx" ON "audit_log" USING btree ("org_id","target_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_created_idx" ON "audit_log" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "events_execution_failures_idx" ON "events" USING btree ("execution_id") WHERE type = 'processor.error' or (type = 'processor.exited' and attributes->>'route' = 'failure');--> statement-breakpoint
CREATE INDEX "events_audit_created_idx" ON "events" USING btree ("created_at") WHERE type like 'audit.%';--> statement-breakpoint
CREATE INDEX "workflow_executions_revision_id_idx" ON "workflow_executions" USING btree ("revision_id","id");--> statement-breakpoint
CREATE INDEX "workflow_executions_revision_alias_idx" ON "workflow_executions" USING btree ("revision_id","alias","id");