import type { ExplainRequest, ExplainResponse } from '@rustronaut/contracts';
import { errors } from '@rustronaut/errors';
import type { RequestContext } from '@rustronaut/policy';
import { compileRules } from './compile-rules.js';

/** The engine's request context for an explain request; `now` when the request names no time. */
export function requestContextOf(input: ExplainRequest, now: Date): RequestContext {
  return {
    ...(input.user === undefined ? {} : { user: input.user }),
    ...(input.authMethod === undefined ? {} : { authMethod: input.authMethod }),
    secondFactor: input.secondFactor,
    sourceIp: input.sourceIp,
    method: input.method,
    path: input.path,
    time: input.time === undefined ? now : new Date(input.time),
    ...(input.device === undefined ? {} : { device: input.device }),
  };
}

/**
 * What a policy (`rules`, public or not) decides for a request, with the engine's working: the same compile and
 * evaluation the gateway runs. A context the engine refuses (a path that is not normalized, say) is answered
 * 400 naming the field, rather than a deny the caller might take for the policy's answer.
 */
export function explainRules(
  rules: readonly unknown[],
  isPublic: boolean,
  input: ExplainRequest,
  now: Date,
): ExplainResponse {
  const explanation = compileRules(rules, isPublic).explain(requestContextOf(input, now));
  if (explanation.decision.reason === 'invalid_context') {
    const problem = explanation.problem ?? 'the request context is invalid';
    const field = `body.${/^[A-Za-z.]+/.exec(problem)?.[0] ?? ''}`.replace(/\.$/, '');
    throw errors.validation.create(`the request context is invalid: ${problem}`, {
      details: { errors: [{ field, message: problem }] },
    });
  }
  return {
    decision: explanation.decision,
    summary: explanation.summary,
    rules: explanation.rules.map((rule) => ({
      id: rule.id,
      effect: rule.effect,
      matched: rule.matched,
      criteria: rule.criteria.map((c) => ({ criterion: c.criterion, matched: c.matched, reason: c.reason })),
    })),
  };
}
