import type { AdminContext } from '../context.js';
import { cachedCa, caOf, type ControlCa, type StoredCaSpec } from '../control/control-ca.js';

/**
 * The admin's built-in CA for resource hosts: it signs the certificate a gateway serves for a host until ACME
 * issues one (or when ACME is off). Separate from the control CA, which gateways trust for the control channel:
 * a key sent to gateways must never be one that control CA vouches for.
 */
const BUILTIN_CA: StoredCaSpec = {
  setting: 'tls.builtin-ca',
  subject: 'CN=Rustronaut built-in CA',
  sealContext: 'tls-builtin-ca',
  label: 'built-in TLS',
};

/** Validity of a fallback certificate; renewed at two thirds like the others. */
export const BUILTIN_DAYS = 90;

const cache = new WeakMap<AdminContext, Promise<ControlCa>>();

/** The built-in CA of this admin, created in `settings` on first use. */
export function builtinCa(ctx: AdminContext): Promise<ControlCa> {
  return cachedCa(ctx, cache, BUILTIN_CA, caOf);
}
