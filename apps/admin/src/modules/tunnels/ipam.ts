import { tunnelAddresses, type DrizzleDatabase } from '@rustronaut/db';
import { allocateAddress, type AddressPool } from '@rustronaut/wireguard';
import { sql } from 'drizzle-orm';

/** Key of the transaction-scoped advisory lock that serializes tunnel address allocations ("rustipam"). */
const IPAM_LOCK_KEY = 0x7275_7374_6970_616dn;

/** What an address is allocated for: exactly one site or one device. */
export type AddressOwner = { readonly siteId: string } | { readonly deviceId: string };

/**
 * Allocates the lowest free tunnel address of `pool` inside the caller's transaction: `insertOwner` writes the site
 * or device row with the address and names it, then the address is recorded in `tunnel_addresses`, whose primary
 * key makes it unique across sites and devices. Allocations are serialized by a transaction-scoped advisory lock
 * (held until commit or rollback), so concurrent callers never pick the same address and never retry. The address
 * row goes with its site or device (on delete cascade), which releases the address.
 */
export async function allocateTunnelAddress<T>(
  tx: DrizzleDatabase,
  pool: AddressPool,
  insertOwner: (address: string) => Promise<{ owner: AddressOwner; value: T }>,
): Promise<T> {
  await tx.execute(sql`select pg_advisory_xact_lock(${IPAM_LOCK_KEY.toString()}::bigint)`);
  const used = await tx.select({ address: tunnelAddresses.address }).from(tunnelAddresses);
  const address = allocateAddress(
    pool,
    used.map((row) => row.address),
  );
  const { owner, value } = await insertOwner(address);
  await tx.insert(tunnelAddresses).values({ address, ...owner });
  return value;
}
