import { z } from 'zod';
import { idSchema, nameSchema, timestampSchema } from './common.js';
import { wireguardKeySchema } from './sites.js';

/** `POST /api/v1/orgs/{orgId}/devices`. */
export const createDeviceRequest = z
  .strictObject({
    name: nameSchema.describe('Name, unique among your devices in the organisation (e.g. `laptop`).'),
    publicKey: wireguardKeySchema
      .optional()
      .describe(
        "Your device's WireGuard public key. Omit it to have the admin generate a key pair: the private key is in this answer's config only, and never stored.",
      ),
    siteIds: z
      .array(idSchema)
      .max(64)
      .default([])
      .describe(
        "Sites of the organisation the device may reach: their tunnel addresses join the config's AllowedIPs, the hub forwards the device's packets to them (and to no other host), and their connectors take its connections to their targets.",
      ),
  })
  .describe('A client device (VPN mode) of the signed-in user.');
/** Body of a device creation. */
export type CreateDeviceRequest = z.output<typeof createDeviceRequest>;

/** A client device as the API shows it. */
export const deviceView = z
  .object({
    id: idSchema,
    orgId: idSchema,
    userId: idSchema.describe('The user the device belongs to.'),
    name: z.string(),
    publicKey: z.string(),
    tunnelAddress: z.string(),
    siteIds: z.array(idSchema),
    allowedIps: z
      .array(z.string())
      .describe('What the device routes into the tunnel: the hub and the tunnel addresses of its sites.'),
    targets: z
      .array(
        z.object({
          siteId: idSchema,
          name: z.string().describe('The target’s name.'),
          address: z.string().describe('Where the device connects: `<site tunnel address>:<tunnelPort>`.'),
        }),
      )
      .describe('What the device reaches: each target of its sites, at the address to connect to, in site order.'),
    lastHandshakeAt: timestampSchema.nullable().describe('Last handshake with the hub, as the hub reported it.'),
    rxBytes: z.number().int().nullable(),
    txBytes: z.number().int().nullable(),
    createdAt: timestampSchema,
  })
  .describe('A client device.');
/** A device in API answers. */
export type DeviceView = z.infer<typeof deviceView>;

/** A device's wg-quick config and its QR code. */
export const deviceConfigView = z
  .object({
    config: z
      .string()
      .describe(
        'wg-quick(8) config. It holds the private key only in the answer to creating a device with a generated key; otherwise a comment stands where the key goes.',
      ),
    qrSvg: z.string().describe('The config as a QR code (SVG), for the WireGuard mobile apps.'),
    qrPng: z.string().describe('The same QR code as a PNG, base64.'),
  })
  .describe('A wg-quick config and its QR code.');
/** A config and its QR codes. */
export type DeviceConfigView = z.infer<typeof deviceConfigView>;

/** Answer to creating a device: the device and its config (with the generated private key, shown this once). */
export const deviceCreatedView = z
  .object({ device: deviceView, config: deviceConfigView })
  .describe('A new device and its config.');
/** Body of a device creation answer. */
export type DeviceCreatedView = z.infer<typeof deviceCreatedView>;

/** Path parameters of one device. */
export const deviceParams = z.strictObject({ orgId: idSchema, deviceId: idSchema });
