import type { IpWords } from './ip-address.js';
import type { AuthMethod, DeviceContext, UserContext } from './types.js';

/**
 * A request context checked and read once, in the form the criteria compare: the source address as words,
 * the method in uppercase, the email in lowercase. Each top-level field of the caller's object is read once.
 */
export interface PreparedRequest extends IpWords {
  readonly user: UserContext | undefined;
  /** The user's address in lowercase; `''` without a user. */
  readonly email: string;
  readonly authMethod: AuthMethod | undefined;
  readonly secondFactor: boolean;
  readonly sourceIp: string;
  readonly method: string;
  readonly path: string;
  readonly timeMs: number;
  readonly device: DeviceContext | undefined;
}
