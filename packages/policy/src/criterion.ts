import type { PreparedRequest } from './prepared-request.js';
import type { CriterionName } from './types.js';

/**
 * One compiled criterion of a rule. `evaluate` only calls `matches`; `explain` calls `matches` and then
 * `describe` with its result, so the two can never disagree on whether the criterion matched.
 */
export interface CriterionMatcher {
  readonly criterion: CriterionName;
  /** Whether the request satisfies the criterion; allocation-free. */
  matches(req: PreparedRequest): boolean;
  /** A short human reason for the outcome `matched` that `matches` returned. */
  describe(req: PreparedRequest, matched: boolean): string;
}
