CREATE TABLE "identity_providers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"issuer" text NOT NULL,
	"client_id" text NOT NULL,
	"client_secret_enc" text NOT NULL,
	"scopes" text NOT NULL,
	"roles_claim" text,
	"role_mapping" jsonb NOT NULL,
	"default_roles" jsonb NOT NULL,
	"provision" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "identity_providers" ADD CONSTRAINT "identity_providers_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "identity_providers_org_name_idx" ON "identity_providers" USING btree ("org_id","name");--> statement-breakpoint
CREATE INDEX "identity_providers_org_id_idx" ON "identity_providers" USING btree ("org_id","id");