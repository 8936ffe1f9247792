/**
 * A policy, schedule or role definition that cannot be compiled. `field` names the offending value
 * (`rules[3].when.emails[1]`) and the message starts with it. Match on `err.code`, not `instanceof`.
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  /** Stable code; the admin maps it to 400. */
  readonly code = 'ERR_POLICY_INVALID';
  /** Path of the offending value in the input, e.g. `rules[3].when.emails[1]`. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
  }
}
