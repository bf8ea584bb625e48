CREATE TABLE "workflow_event_waiters" (
	"execution_id" text NOT NULL,
	"visit" text NOT NULL,
	"org_id" text NOT NULL,
	"key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_event_waiters_execution_id_visit_pk" PRIMARY KEY("execution_id","visit")
);
--> statement-breakpoint
ALTER TABLE "workflow_event_waiters" ADD CONSTRAINT "workflow_event_waiters_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "workflow_event_waiters_key_idx" ON "workflow_event_waiters" USING btree ("org_id","key");