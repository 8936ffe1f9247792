import { compileSourceCidrs } from './cidr-criterion.js';
import { checkObject } from './check.js';
import type { CriterionMatcher } from './criterion.js';
import { compileDevice } from './device-criterion.js';
import { compileEmails } from './email-criterion.js';
import { compilePaths } from './path-criterion.js';
import { compileSchedule } from './schedule-criterion.js';
import { compileAuthMethods, compileMethods, compileRoles, compileSecondFactor, compileUsers } from './set-criteria.js';
import type { CriterionName } from './types.js';

type CriterionCompiler = (value: unknown, field: string) => CriterionMatcher;

/** Every criterion and its compiler, in the order explanations list them. */
const COMPILERS: Readonly<Record<CriterionName, CriterionCompiler>> = {
  users: compileUsers,
  roles: compileRoles,
  emails: compileEmails,
  authMethods: compileAuthMethods,
  requireSecondFactor: compileSecondFactor,
  device: compileDevice,
  sourceCidrs: compileSourceCidrs,
  methods: compileMethods,
  paths: compilePaths,
  schedule: compileSchedule,
};

/** The criteria a `when` may hold. */
const CRITERIA = Object.keys(COMPILERS) as readonly CriterionName[];

/**
 * Compiles a rule's `when` into matchers; throws a `PolicyError` naming the first bad value. A field given as
 * `undefined` counts as omitted. The schedule, the only criterion that may call into `Intl`, is tested last.
 */
export function compileCriteria(value: unknown, field: string): CriterionMatcher[] {
  const when = checkObject(value, field, CRITERIA);
  const matchers: CriterionMatcher[] = [];
  for (const criterion of CRITERIA) {
    const given = when[criterion];
    if (given !== undefined) matchers.push(COMPILERS[criterion](given, `${field}.${criterion}`));
  }
  return matchers;
}
