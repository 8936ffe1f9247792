import { checkName, checkObject, fail } from './check.js';
import { compileCriteria } from './compile-criteria.js';
import type { CriterionMatcher } from './criterion.js';
import { shown } from './format.js';
import { prepareRequest } from './prepare-request.js';
import type { PreparedRequest } from './prepared-request.js';
import type {
  CompiledPolicy,
  CriterionName,
  Decision,
  DecisionReason,
  Explanation,
  Policy,
  RuleEffect,
  RuleExplanation,
} from './types.js';

interface CompiledRule {
  readonly index: number;
  readonly id: string;
  readonly effect: RuleEffect;
  readonly matchers: readonly CriterionMatcher[];
  /** What `evaluate` returns when this rule decides; shared, so deciding allocates nothing. */
  readonly decision: Decision;
}

interface CompiledRules {
  readonly isPublic: boolean;
  readonly all: readonly CompiledRule[];
  readonly deny: readonly CompiledRule[];
  readonly bypass: readonly CompiledRule[];
  readonly allow: readonly CompiledRule[];
}

const EFFECTS: readonly RuleEffect[] = ['allow', 'deny', 'bypass'];
const DECIDING_REASON: Readonly<Record<RuleEffect, DecisionReason>> = {
  allow: 'allowed_by_rule',
  deny: 'denied_by_rule',
  bypass: 'bypass',
};

/**
 * Criteria a bypass rule may not use: it lets requests through without authentication, so there is no
 * identity to test, and a rule that seemed to test one would let everyone through.
 */
const IDENTITY_CRITERIA: readonly CriterionName[] = ['users', 'roles', 'emails', 'authMethods', 'requireSecondFactor'];

const decision = (allowed: boolean, reason: DecisionReason): Decision => Object.freeze({ allowed, reason });
const PUBLIC = decision(true, 'public');
const UNAUTHENTICATED = decision(false, 'unauthenticated');
const NO_MATCHING_ALLOW = decision(false, 'no_matching_allow');
const INVALID_CONTEXT = decision(false, 'invalid_context');

function compileRule(value: unknown, index: number, ids: Set<string>): CompiledRule {
  const field = `rules[${String(index)}]`;
  const rule = checkObject(value, field, ['id', 'effect', 'description', 'when']);
  const id = checkName(rule.id, `${field}.id`);
  if (ids.has(id)) fail(`${field}.id`, `${shown(id)} is used by an earlier rule; rule ids must be unique`);
  ids.add(id);
  const effect = rule.effect as RuleEffect;
  if (!EFFECTS.includes(effect))
    fail(`${field}.effect`, `must be one of ${EFFECTS.join(', ')}, got ${shown(rule.effect)}`);
  if (rule.description !== undefined && typeof rule.description !== 'string') {
    fail(`${field}.description`, `must be a string, got ${shown(rule.description)}`);
  }
  if (rule.when === undefined) fail(`${field}.when`, 'is required (use {} to match every request)');
  const matchers = compileCriteria(rule.when, `${field}.when`);
  if (effect === 'bypass') {
    const identity = matchers.find((matcher) => IDENTITY_CRITERIA.includes(matcher.criterion));
    if (identity !== undefined) {
      fail(`${field}.when.${identity.criterion}`, 'cannot be used in a bypass rule, which skips authentication');
    }
    if (!matchers.some((matcher) => matcher.criterion === 'paths')) {
      fail(
        `${field}.when.paths`,
        'is required in a bypass rule (a bypass for every path would make the resource public)',
      );
    }
  }
  return {
    index,
    id,
    effect,
    matchers,
    decision: Object.freeze({ allowed: effect !== 'deny', reason: DECIDING_REASON[effect], ruleId: id }),
  };
}

function ruleMatches(rule: CompiledRule, req: PreparedRequest): boolean {
  for (const matcher of rule.matchers) if (!matcher.matches(req)) return false;
  return true;
}

/**
 * The one decision procedure, shared by `evaluate` (which tests rules as it goes) and `explain` (which looks
 * up rules it already tested), so the two always agree. Deny wins over everything, whatever the order of the
 * rules; then a bypass lets the request through without a user; then a public policy allows; otherwise a user
 * is required and at least one allow rule must match.
 */
function decide(
  rules: CompiledRules,
  req: PreparedRequest,
  matched: (rule: CompiledRule, req: PreparedRequest) => boolean,
): Decision {
  for (const rule of rules.deny) if (matched(rule, req)) return rule.decision;
  for (const rule of rules.bypass) if (matched(rule, req)) return rule.decision;
  if (rules.isPublic) return PUBLIC;
  if (req.user === undefined) return UNAUTHENTICATED;
  for (const rule of rules.allow) if (matched(rule, req)) return rule.decision;
  return NO_MATCHING_ALLOW;
}

function summarize(result: Decision): string {
  const rule = JSON.stringify(result.ruleId ?? '');
  switch (result.reason) {
    case 'public':
      return 'allowed: the resource is public';
    case 'bypass':
      return `allowed without authentication by bypass rule ${rule}`;
    case 'allowed_by_rule':
      return `allowed by rule ${rule}`;
    case 'denied_by_rule':
      return `denied by rule ${rule}`;
    case 'unauthenticated':
      return 'denied: the request has no authenticated user, and no public access or bypass rule applies';
    case 'no_matching_allow':
      return 'denied: no allow rule matches';
    case 'invalid_context':
      return 'denied: the request context is invalid';
  }
}

function explainValid(rules: CompiledRules, req: PreparedRequest): Explanation {
  const results: RuleExplanation[] = rules.all.map((rule) => {
    const criteria = rule.matchers.map((matcher) => {
      const matched = matcher.matches(req);
      return { criterion: matcher.criterion, matched, reason: matcher.describe(req, matched) };
    });
    return { id: rule.id, effect: rule.effect, matched: criteria.every((c) => c.matched), criteria };
  });
  const result = decide(rules, req, (rule) => results[rule.index]?.matched === true);
  return { decision: result, summary: summarize(result), rules: results };
}

function explainInvalid(problem: string): Explanation {
  return { decision: INVALID_CONTEXT, summary: `${summarize(INVALID_CONTEXT)}: ${problem}`, rules: [], problem };
}

/**
 * Validates a policy and compiles it for evaluation, once per config snapshot. Throws a `PolicyError`
 * (`code: 'ERR_POLICY_INVALID'`) naming the first bad value, e.g. `rules[3].when.emails[1]`: unknown fields,
 * empty lists, malformed emails, CIDRs, paths, methods, fingerprints, unknown days, times or time zones,
 * duplicate rule ids, and bypass rules without `paths` or with identity criteria. A rule with an empty `when`
 * matches every request (an allow then admits every authenticated user; a deny shuts the resource).
 *
 * The result parses nothing per request beyond the source address and allocates one small object per
 * `evaluate`; `explain` builds the full explanation and is meant for the admin's explain API and audit.
 */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const input = checkObject(policy, '', ['public', 'rules']);
  if (input.public !== undefined && typeof input.public !== 'boolean') {
    fail('public', `must be true or false, got ${shown(input.public)}`);
  }
  if (!Array.isArray(input.rules)) fail('rules', `must be an array, got ${shown(input.rules)}`);
  const ids = new Set<string>();
  const all = (input.rules as readonly unknown[]).map((rule, index) => compileRule(rule, index, ids));
  const rules: CompiledRules = {
    isPublic: input.public === true,
    all,
    deny: all.filter((rule) => rule.effect === 'deny'),
    bypass: all.filter((rule) => rule.effect === 'bypass'),
    allow: all.filter((rule) => rule.effect === 'allow'),
  };

  return Object.freeze({
    evaluate(ctx: unknown): Decision {
      try {
        const req = prepareRequest(ctx);
        return typeof req === 'string' ? INVALID_CONTEXT : decide(rules, req, ruleMatches);
      } catch {
        // Only a hostile context object (a throwing getter, a revoked proxy) gets here: fail closed.
        return INVALID_CONTEXT;
      }
    },
    explain(ctx: unknown): Explanation {
      try {
        const req = prepareRequest(ctx);
        return typeof req === 'string' ? explainInvalid(req) : explainValid(rules, req);
      } catch {
        return explainInvalid('the context could not be read');
      }
    },
  });
}
