export { buildApp, BODY_LIMIT_BYTES } from './app.js';
export { describeAuditProblem, formatAuditReport } from './audit/format-audit-report.js';
export { verifyAuditChains, type VerifyAuditOptions } from './audit/verify-audit.js';
export type { AdminContext } from './context.js';
export { createAdminContext, type AdminContextOptions } from './create-context.js';
export { prepareDataDir } from './data-dir.js';
export { openMigratedDatabase, startAdmin, type AdminOptions, type RunningAdmin } from './server.js';
