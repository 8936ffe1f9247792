export {
  healthResponse,
  problemResponse,
  versionResponse,
  type HealthResponse,
  type ProblemResponse,
  type VersionResponse,
} from './system.js';
