CREATE TABLE "workflow_graph_elements" (
	"session_id" text NOT NULL,
	"alias" text NOT NULL,
	"element_id" text NOT NULL,
	"type" text NOT NULL,
	"labels" text[],
	"label" text,
	"from_id" text,
	"to_id" text,
	"props" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"rev" integer DEFAULT 1 NOT NULL,
	"ord" bigint GENERATED ALWAYS AS IDENTITY (sequence name "workflow_graph_elements_ord_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"user_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_graph_elements_session_id_alias_element_id_pk" PRIMARY KEY("session_id","alias","element_id")
);
--> statement-breakpoint
CREATE TABLE "workflow_session_files" (
	"session_id" text NOT NULL,
	"alias" text NOT NULL,
	"storage_key" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_session_files_session_id_alias_pk" PRIMARY KEY("session_id","alias")
);
--> statement-breakpoint
DROP INDEX "workflow_thread_items_idx";--> statement-breakpoint
ALTER TABLE "workflow_graph_elements" ADD CONSTRAINT "workflow_graph_elements_session_id_alias_workflow_session_objects_session_id_alias_fk" FOREIGN KEY ("session_id","alias") REFERENCES "public"."workflow_session_objects"("session_id","alias") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_graph_elements" ADD CONSTRAINT "workflow_graph_elements_session_id_alias_from_id_workflow_graph_elements_session_id_alias_element_id_fk" FOREIGN KEY ("session_id","alias","from_id") REFERENCES "public"."workflow_graph_elements"("session_id","alias","element_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_graph_elements" ADD CONSTRAINT "workflow_graph_elements_session_id_alias_to_id_workflow_graph_elements_session_id_alias_element_id_fk" FOREIGN KEY ("session_id","alias","to_id") REFERENCES "public"."workflow_graph_elements"("session_id","alias","element_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_session_files" ADD CONSTRAINT "workflow_session_files_session_id_alias_workflow_session_objects_session_id_alias_fk" FOREIGN KEY ("session_id","alias") REFERENCES "public"."workflow_session_objects"("session_id","alias") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_graph_elements_ord_idx" ON "workflow_graph_elements" USING btree ("session_id","alias","ord");--> statement-breakpoint
CREATE INDEX "workflow_graph_elements_updated_idx" ON "workflow_graph_elements" USING btree ("session_id","alias","updated_at","ord");--> statement-breakpoint
CREATE INDEX "workflow_graph_elements_out_idx" ON "workflow_graph_elements" USING btree ("session_id","alias","from_id","ord");--> statement-breakpoint
CREATE INDEX "workflow_graph_elements_in_idx" ON "workflow_graph_elements" USING btree ("session_id","alias","to_id","ord");--> statement-breakpoint
CREATE INDEX "workflow_thread_items_idx" ON "workflow_thread_items" USING btree ("session_id","alias","created_at","id");