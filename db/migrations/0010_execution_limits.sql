CREATE TABLE "workflow_execution_limits" (
	"blob_id" text NOT NULL,
	"alias" text DEFAULT '' NOT NULL,
	"max_concurrent" integer,
	"concurrency_policy" text DEFAULT 'queue' NOT NULL,
	"max_starts" integer,
	"interval_seconds" integer,
	"rate_policy" text DEFAULT 'refuse' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_execution_limits_blob_id_alias_pk" PRIMARY KEY("blob_id","alias")
);
--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "admitted_at" timestamp with time zone;--> statement-breakpoint
-- executions created before limits existed were admitted when they were created
UPDATE "workflow_executions" SET "admitted_at" = "created_at";--> statement-breakpoint
ALTER TABLE "workflow_execution_limits" ADD CONSTRAINT "workflow_execution_limits_blob_id_blobs_id_fk" FOREIGN KEY ("blob_id") REFERENCES "public"."blobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "workflow_executions_admitted_idx" ON "workflow_executions" USING btree ("admitted_at");