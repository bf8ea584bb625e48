CREATE TABLE "workflow_execution_lineage" (
	"execution_id" text NOT NULL,
	"kind" text NOT NULL,
	"ref" text NOT NULL,
	"component_id" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_execution_lineage_execution_id_kind_ref_component_id_pk" PRIMARY KEY("execution_id","kind","ref","component_id")
);
--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "rerun_of" text;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD COLUMN "rerun_from" text;--> statement-breakpoint
ALTER TABLE "workflow_execution_lineage" ADD CONSTRAINT "workflow_execution_lineage_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "workflow_execution_lineage_ref_idx" ON "workflow_execution_lineage" USING btree ("kind","ref");--> statement-breakpoint
CREATE INDEX "workflow_executions_rerun_of_idx" ON "workflow_executions" USING btree ("rerun_of") WHERE rerun_of is not null;