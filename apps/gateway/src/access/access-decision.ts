import type { ErrorDefinition } from '@rustronaut/errors';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { ClientCaSet } from './client-certificate.js';
import type { Identity } from './identity.js';

/** What the access report of a decision says (managed routes report every decision to the admin). */
export interface AccessVerdict {
  readonly allowed: boolean;
  /** The policy's reason (`allowed_by_rule`, `unauthenticated`...), or why authentication failed. */
  readonly reason: string;
  readonly ruleId: string | undefined;
  readonly userId: string | undefined;
  readonly authMethod: string | undefined;
}

/** What an access check decided. */
export type AccessDecision =
  | { readonly ok: true; readonly identity: Identity | undefined; readonly verdict?: AccessVerdict }
  | {
      readonly ok: false;
      readonly redirect?: undefined;
      readonly def: Pick<ErrorDefinition, 'code' | 'status'>;
      readonly detail: string;
      readonly headers: OutgoingHttpHeaders | undefined;
      readonly verdict?: AccessVerdict;
    }
  | {
      /** Sends the browser elsewhere (302): to sign in, or back where it was going after the callback. */
      readonly ok: false;
      readonly redirect: string;
      readonly headers: OutgoingHttpHeaders | undefined;
      readonly verdict?: AccessVerdict;
    };

/** What the gateway knows about a request when it checks access. */
export interface AccessRequest {
  /** The origin the client addressed (`scheme://host[:port]`): the audience of its session and assertion. */
  readonly origin: string;
  readonly https: boolean;
  /** The client address (the peer, or from `X-Forwarded-For` of a trusted proxy only). */
  readonly client: string;
  /** The normalized path. */
  readonly path: string;
  /** The normalized path and the query, as forwarded. */
  readonly target: string;
}

/** A route's access rule, compiled. */
export interface RouteAccess {
  /** `access: public`: no check, no identity, nothing to send upstream but the stripped headers. */
  readonly isPublic: boolean;
  /** Send plain `X-Rustronaut-User`, `-Email`, `-Roles` besides the assertion. */
  readonly identityHeaders: boolean;
  /** The CAs of an mTLS route, for the HTTPS listener's trust store. */
  readonly clientCa: ClientCaSet | undefined;
  /** Decides synchronously when the credentials were seen recently, otherwise with a promise. */
  check(req: IncomingMessage, request: AccessRequest): AccessDecision | Promise<AccessDecision>;
  /** Answers `/.rustronaut/callback` (routes with sign-in only). */
  readonly callback?: (req: IncomingMessage, request: AccessRequest) => Promise<AccessDecision>;
  /** Starts loading remote keys, so the first request does not wait for them. */
  prefetch(): void;
}
