export {
  createTestCa,
  type TestCa,
  type TestCertificate,
  type TestCertificateOptions,
  type TestKeyType,
} from './certs.js';
export { createPostgresTestDatabase, requirePostgres, testPostgresUrl, type PostgresTestDatabase } from './postgres.js';
export { freePorts } from './free-ports.js';
export { makeTempDir, type TempDir } from './temp-dir.js';
export { spawnNode, type NodeProcess } from './node-process.js';
export { startHttpUpstream, type HttpUpstream, type ReceivedRequest } from './http-upstream.js';
export { rawExchange, statusOf } from './raw-http.js';
