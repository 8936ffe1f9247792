CREATE TABLE "device_cas" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"certificate_pem" text NOT NULL,
	"fingerprint" text NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "device_cas" ADD CONSTRAINT "device_cas_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "device_cas_org_fingerprint_idx" ON "device_cas" USING btree ("org_id","fingerprint");--> statement-breakpoint
CREATE UNIQUE INDEX "device_cas_org_name_idx" ON "device_cas" USING btree ("org_id","name");--> statement-breakpoint
CREATE INDEX "device_cas_org_id_idx" ON "device_cas" USING btree ("org_id","id");