export { compilePolicy } from './compile-policy.js';
export { normalizeFingerprint } from './device-criterion.js';
export { PolicyError } from './policy-error.js';
export {
  BUILT_IN_ROLES,
  PERMISSIONS,
  compileRoleCatalog,
  hasPermission,
  isPermission,
  isSubsetOf,
  permissionsOf,
  renderRoleTable,
  type BuiltInRole,
  type CustomRole,
  type Permission,
  type RoleCatalog,
} from './rbac.js';
export type {
  AuthMethod,
  CompiledPolicy,
  Criteria,
  CriterionExplanation,
  CriterionName,
  Decision,
  DecisionReason,
  DeviceContext,
  DeviceCriteria,
  Explanation,
  Policy,
  RequestContext,
  Rule,
  RuleEffect,
  RuleExplanation,
  Schedule,
  UserContext,
  Weekday,
} from './types.js';
