/** A day of the week as schedules name it. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** How the request's user proved who they are. */
export type AuthMethod = 'password' | 'sso' | 'api_key' | 'mtls';

/** What a rule does when it matches. */
export type RuleEffect = 'allow' | 'deny' | 'bypass';

/**
 * A weekly time window in a time zone. `from` is inclusive and `to` exclusive; a window whose `to` is not
 * after `from` (`22:00`–`02:00`) crosses midnight and belongs to the day it starts on.
 */
export interface Schedule {
  /** Days on which the window starts. */
  readonly days: readonly Weekday[];
  /** Start, `HH:MM` (`00:00`–`23:59`). */
  readonly from: string;
  /** End, `HH:MM` (`00:01`–`24:00`); not equal to `from`. */
  readonly to: string;
  /** IANA time zone name (`Europe/Berlin`, `UTC`) the window is read in, daylight saving included. */
  readonly timeZone: string;
}

/** What a verified client certificate must show. Each given field must match; `{}` asks for any verified certificate. */
export interface DeviceCriteria {
  /** SHA-256 fingerprints of CA certificates; matches when one of them is in the client's verified chain. */
  readonly caFingerprints?: readonly string[];
  /** Subject alternative names as Node lists them (`DNS:laptop.corp.example`, `URI:spiffe://corp/dev/7`); any one. */
  readonly sans?: readonly string[];
  /** SHA-256 fingerprints of the client (leaf) certificate itself. */
  readonly fingerprints?: readonly string[];
}

/** Conditions of a rule. Every given field must match; an omitted field matches anything. Lists mean "any of". */
export interface Criteria {
  /** User ids. */
  readonly users?: readonly string[];
  /** Role names; matches when the user has at least one of them. */
  readonly roles?: readonly string[];
  /** Exact addresses (`alice@example.com`) and domains (`@example.com`, that domain only); compared in lowercase. */
  readonly emails?: readonly string[];
  /** IPv4 and IPv6 networks (`10.0.0.0/8`, `2001:db8::/32`) or single addresses. */
  readonly sourceCidrs?: readonly string[];
  /** HTTP methods, compared in uppercase. */
  readonly methods?: readonly string[];
  /**
   * Canonical paths: a prefix on whole segments (`/api` takes `/api` and `/api/x`, not `/apix`), or a glob
   * where a segment `*` stands for exactly one segment and `**` for any number of them
   * (`/users/*`, `/api/**`).
   */
  readonly paths?: readonly string[];
  /** A weekly time window. */
  readonly schedule?: Schedule;
  /** Authentication methods. */
  readonly authMethods?: readonly AuthMethod[];
  /** `true`: the user must have passed a second factor. `false` states no requirement. */
  readonly requireSecondFactor?: boolean;
  /** A verified client certificate. */
  readonly device?: DeviceCriteria;
}

/** One rule of a policy. */
export interface Rule {
  /** Unique within the policy; decisions and the audit log name it. */
  readonly id: string;
  /** `deny` wins over everything; `bypass` lets matching requests through without authentication. */
  readonly effect: RuleEffect;
  /** Free text for people. */
  readonly description?: string;
  /** When the rule applies. */
  readonly when: Criteria;
}

/** The access policy of one resource. */
export interface Policy {
  /** Everyone, even without signing in, is allowed unless a deny rule matches. */
  readonly public?: boolean;
  /** Rules in the order they are listed and explained; the outcome does not depend on the order. */
  readonly rules: readonly Rule[];
}

/** The verified client certificate of a request (the gateway verifies the chain; the policy only compares). */
export interface DeviceContext {
  /** SHA-256 fingerprints (64 lowercase hex digits) of the certificates that issued the leaf, up to the trust anchor. */
  readonly chainFingerprints: readonly string[];
  /** Subject alternative names of the leaf, as Node lists them (`DNS:laptop.corp.example`). */
  readonly sans: readonly string[];
  /** SHA-256 fingerprint (64 lowercase hex digits) of the leaf; see `normalizeFingerprint`. */
  readonly fingerprint: string;
}

/** The authenticated user of a request. */
export interface UserContext {
  readonly id: string;
  /** A single-`@` address; any case. */
  readonly email: string;
  readonly roles: readonly string[];
}

/** What the gateway knows about a request when it asks for a decision. */
export interface RequestContext {
  /** Absent for an anonymous request. */
  readonly user?: UserContext;
  readonly authMethod?: AuthMethod;
  readonly secondFactor?: boolean;
  /** The peer address (IPv4, IPv6, or IPv4-mapped IPv6 as dual-stack sockets report it), from a trusted source. */
  readonly sourceIp: string;
  /** HTTP method token. */
  readonly method: string;
  /** The normalized path (no query, no dot-segments), as the route table matches it. */
  readonly path: string;
  readonly time: Date;
  readonly device?: DeviceContext;
}

/** Why a request was allowed or denied. */
export type DecisionReason =
  | 'public'
  | 'bypass'
  | 'allowed_by_rule'
  | 'denied_by_rule'
  | 'unauthenticated'
  | 'no_matching_allow'
  | 'invalid_context';

/** The outcome of evaluating a policy. Decisions are shared frozen objects: compare fields, never identity. */
export interface Decision {
  readonly allowed: boolean;
  readonly reason: DecisionReason;
  /** The deciding rule, for `bypass`, `allowed_by_rule` and `denied_by_rule`. */
  readonly ruleId?: string;
}

/** Name of a criterion, as in `Criteria`. */
export type CriterionName = keyof Criteria;

/** How one criterion of a rule fared. */
export interface CriterionExplanation {
  readonly criterion: CriterionName;
  readonly matched: boolean;
  /** Short human reason, e.g. `203.0.113.9 is not in 10.0.0.0/8`. */
  readonly reason: string;
}

/** How one rule fared: it matched when all its criteria did (a rule without criteria always matches). */
export interface RuleExplanation {
  readonly id: string;
  readonly effect: RuleEffect;
  readonly matched: boolean;
  readonly criteria: readonly CriterionExplanation[];
}

/** A decision with its working, for the explain API and the audit log. */
export interface Explanation {
  readonly decision: Decision;
  /** One sentence, e.g. `denied by rule "block-contractors"`. */
  readonly summary: string;
  /** Every rule in policy order; empty when the context was invalid. */
  readonly rules: readonly RuleExplanation[];
  /** For `invalid_context`: which field of the context is malformed. */
  readonly problem?: string;
}

/** A policy compiled for fast evaluation; immutable, safe to share. */
export interface CompiledPolicy {
  /** The decision for a request. Never throws; allocates at most one small object. */
  evaluate(ctx: RequestContext): Decision;
  /** The same decision as `evaluate`, with the result of every rule and criterion. Never throws. */
  explain(ctx: RequestContext): Explanation;
}
