import type { Config } from '@rustronaut/config';
import type { Database, DrizzleDatabase } from '@rustronaut/db';
import type { Logger } from '@rustronaut/observability';
import type { SigningKeyStore } from './auth/signing-keys.js';
import type { ConfigChanges } from './control/config-changes.js';
import type { SecretBox } from './secrets/secret-box.js';

/** What every admin module gets: built once at start, passed down, never global. */
export interface AdminContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  /** Shorthand for `database.db`. */
  readonly db: DrizzleDatabase;
  /** Encrypts secrets at rest under the master key. */
  readonly secrets: SecretBox;
  /** JWT signing keys (rotated, published at /.well-known/jwks.json). */
  readonly keys: SigningKeyStore;
  /** Config-change fan-out to the control channel. */
  readonly changes: ConfigChanges;
  /** The clock; tests move it. */
  readonly now: () => Date;
  /** Software version, for the API and agents. */
  readonly version: string;
}
