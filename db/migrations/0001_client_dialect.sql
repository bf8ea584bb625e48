ALTER TABLE "revisions" ADD COLUMN "comment" text;--> statement-breakpoint
ALTER TABLE "workflow_sessions" ADD COLUMN "alias" text;--> statement-breakpoint
ALTER TABLE "workflow_sessions" ADD COLUMN "description" text;--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_sessions_alias_idx" ON "workflow_sessions" USING btree ("revision_id","alias");