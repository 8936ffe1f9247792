CREATE TABLE "acme_hosts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"host" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"certificate_id" uuid,
	"fallback_id" uuid,
	"failures" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"last_attempt_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone,
	"challenge" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "certificates" ADD COLUMN "not_before" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "acme_hosts" ADD CONSTRAINT "acme_hosts_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_hosts" ADD CONSTRAINT "acme_hosts_certificate_id_certificates_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificates"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "acme_hosts" ADD CONSTRAINT "acme_hosts_fallback_id_certificates_id_fk" FOREIGN KEY ("fallback_id") REFERENCES "public"."certificates"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "acme_hosts_org_host_idx" ON "acme_hosts" USING btree ("org_id","host");--> statement-breakpoint
CREATE INDEX "acme_hosts_org_id_idx" ON "acme_hosts" USING btree ("org_id","id");