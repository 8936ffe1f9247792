CREATE TABLE "devices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"public_key" text NOT NULL,
	"tunnel_address" text NOT NULL,
	"site_ids" jsonb NOT NULL,
	"last_handshake_at" timestamp with time zone,
	"rx_bytes" bigint,
	"tx_bytes" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "devices_public_key_unique" UNIQUE("public_key"),
	CONSTRAINT "devices_tunnel_address_unique" UNIQUE("tunnel_address")
);
--> statement-breakpoint
CREATE TABLE "site_targets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"site_id" uuid NOT NULL,
	"name" text NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"tunnel_port" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tunnel_addresses" (
	"address" text PRIMARY KEY NOT NULL,
	"site_id" uuid,
	"device_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "gateways" ADD COLUMN "kind" text DEFAULT 'gateway' NOT NULL;--> statement-breakpoint
ALTER TABLE "gateways" ADD COLUMN "wg_public_key" text;--> statement-breakpoint
ALTER TABLE "gateways" ADD COLUMN "wg_endpoint" text;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "enrol_token_hash" text;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "enrol_token_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "cert_fingerprint" text;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "enrolled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "agent_version" text;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "status" jsonb;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "last_handshake_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "rx_bytes" bigint;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "tx_bytes" bigint;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "peer_reported_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "site_targets" ADD CONSTRAINT "site_targets_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "site_targets" ADD CONSTRAINT "site_targets_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tunnel_addresses" ADD CONSTRAINT "tunnel_addresses_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tunnel_addresses" ADD CONSTRAINT "tunnel_addresses_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "devices_org_user_name_idx" ON "devices" USING btree ("org_id","user_id","name");--> statement-breakpoint
CREATE INDEX "devices_org_id_idx" ON "devices" USING btree ("org_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "site_targets_site_name_idx" ON "site_targets" USING btree ("site_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "site_targets_site_port_idx" ON "site_targets" USING btree ("site_id","tunnel_port");--> statement-breakpoint
CREATE INDEX "site_targets_org_id_idx" ON "site_targets" USING btree ("org_id","id");--> statement-breakpoint
ALTER TABLE "sites" ADD CONSTRAINT "sites_enrol_token_hash_unique" UNIQUE("enrol_token_hash");--> statement-breakpoint
ALTER TABLE "sites" ADD CONSTRAINT "sites_cert_fingerprint_unique" UNIQUE("cert_fingerprint");