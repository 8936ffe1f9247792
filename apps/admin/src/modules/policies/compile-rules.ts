import { errors } from '@rustronaut/errors';
import { compilePolicy, type CompiledPolicy, type Policy } from '@rustronaut/policy';

/** A `PolicyError` of the engine, matched by code (two copies of the package may be loaded). */
function isPolicyError(err: unknown): err is Error & { code: 'ERR_POLICY_INVALID'; field: string } {
  return (
    err instanceof Error &&
    (err as { code?: unknown }).code === 'ERR_POLICY_INVALID' &&
    typeof (err as { field?: unknown }).field === 'string'
  );
}

/**
 * Compiles a policy with the engine the gateway runs, so the API stores only policies the gateway can enforce.
 * A bad value is answered 400 `ERR_POLICY_INVALID`, naming it (`rules[3].when.emails[1]: ...`) in the message
 * and as the field `body.rules[3].when.emails[1]`.
 */
export function compileRules(rules: readonly unknown[], isPublic = false): CompiledPolicy {
  try {
    return compilePolicy({ public: isPublic, rules } as Policy);
  } catch (err) {
    if (!isPolicyError(err)) throw err;
    throw errors.policyInvalid.create(err.message, {
      cause: err,
      details: { errors: [{ field: `body.${err.field}`, message: err.message }] },
    });
  }
}
