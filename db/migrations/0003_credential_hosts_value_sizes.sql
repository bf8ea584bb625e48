ALTER TABLE "workflow_execution_data" ALTER COLUMN "value" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "credentials" ADD COLUMN "allowed_hosts" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_execution_data" ADD COLUMN "storage_key" text;--> statement-breakpoint
ALTER TABLE "workflow_execution_data" ADD COLUMN "size_bytes" integer DEFAULT 0 NOT NULL;