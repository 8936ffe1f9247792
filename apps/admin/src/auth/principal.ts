import type { Permission } from '@rustronaut/policy';

/** A person signed in with a session (access token or console cookie). */
export interface UserPrincipal {
  readonly type: 'user';
  readonly userId: string;
  readonly email: string;
  readonly sessionId: string;
  /** How the session was opened: password or sso. */
  readonly authMethod: string;
  /** A second factor was presented at sign-in. */
  readonly mfa: boolean;
  /** Authenticated by the console's cookie (so state-changing requests get a CSRF check). */
  readonly viaCookie: boolean;
}

/** An API key: scoped to one organisation and a permission subset. */
export interface ApiKeyPrincipal {
  readonly type: 'api_key';
  readonly apiKeyId: string;
  readonly orgId: string;
  readonly permissions: ReadonlySet<Permission>;
  /** The user who created the key; the key never holds more than they still hold in the org. */
  readonly createdBy: string | null;
}

/** Whoever made the request. */
export type Principal = UserPrincipal | ApiKeyPrincipal;

/** The organisation an org-scoped route runs in, after the membership and permission checks. */
export interface OrgScope {
  readonly id: string;
  /** What the caller may do in this org. */
  readonly permissions: ReadonlySet<Permission>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission an org-scoped route requires (set by `orgRoute()`). */
    permission?: Permission;
  }
  interface FastifyRequest {
    /** Set by the authenticate hook when the request carries valid credentials. */
    principal: Principal | undefined;
    /** Set by `orgRoute()` on org-scoped routes. */
    org: OrgScope | undefined;
  }
}
