import { z } from 'zod';

/** `POST /api/v1/auth/access-grant`: the console trades a gateway's sign-in intent for a one-time code. */
export const accessGrantRequest = z
  .strictObject({
    intent: z
      .string()
      .min(1)
      .max(4096)
      .describe('The opaque `intent` the gateway put in the login URL (`/login?intent=...`).'),
  })
  .describe('A sign-in intent from a gateway.');
/** Body of an access grant. */
export type AccessGrantRequest = z.infer<typeof accessGrantRequest>;

/** Where to send the browser: the resource's callback with a one-time code (single use, 30 s). */
export const accessGrantResponse = z
  .object({
    redirectUrl: z
      .url()
      .describe('`<resource origin>/.rustronaut/callback?code=...`; navigate the browser there at once.'),
  })
  .describe('The way back to the resource.');
/** Body of an access grant answer. */
export type AccessGrantResponse = z.infer<typeof accessGrantResponse>;
