import type { Config } from '@rustronaut/config';
import type { Database } from '@rustronaut/db';
import type { Logger } from '@rustronaut/observability';
import { createSigningKeyStore } from './auth/signing-keys.js';
import type { AdminContext } from './context.js';
import { createConfigChanges } from './control/config-changes.js';
import { createSecretBox } from './secrets/secret-box.js';

/** What {@link createAdminContext} needs. */
export interface AdminContextOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly masterKey: Buffer;
  readonly version: string;
  /** The clock; tests pass one they can move. */
  readonly now?: () => Date;
}

/** Builds the {@link AdminContext} from its parts. */
export function createAdminContext(options: AdminContextOptions): AdminContext {
  const now = options.now ?? (() => new Date());
  const secrets = createSecretBox(options.masterKey);
  return {
    config: options.config,
    logger: options.logger,
    database: options.database,
    db: options.database.db,
    secrets,
    keys: createSigningKeyStore(options.database.db, secrets, now),
    changes: createConfigChanges(),
    now,
    version: options.version,
  };
}
