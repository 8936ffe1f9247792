CREATE TABLE "dns_providers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"domain" text NOT NULL,
	"type" text NOT NULL,
	"settings" jsonb NOT NULL,
	"secret_enc" text NOT NULL,
	"wildcard" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "dns_providers" ADD CONSTRAINT "dns_providers_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dns_providers_org_domain_idx" ON "dns_providers" USING btree ("org_id","domain");--> statement-breakpoint
CREATE INDEX "dns_providers_org_id_idx" ON "dns_providers" USING btree ("org_id","id");