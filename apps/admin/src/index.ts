export { buildApp, BODY_LIMIT_BYTES, type AppDeps } from './app.js';
export { prepareDataDir } from './data-dir.js';
export { openMigratedDatabase, startAdmin, type AdminOptions, type RunningAdmin } from './server.js';
