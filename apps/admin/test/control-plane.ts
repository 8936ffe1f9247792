import { loadConfig } from '@rustronaut/config';
import { createLogger } from '@rustronaut/observability';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { randomBytes } from 'node:crypto';
import type { AdminContext } from '../src/context.js';
import { startControlServer, type ControlServer, type ControlServerOptions } from '../src/control/control-server.js';
import { createAdminContext } from '../src/create-context.js';
import { agentRoutes } from '../src/modules/gateways/agent-routes.js';
import { registerErrorHandling } from '../src/plugins/errors.js';
import type { TestDriver } from './harness.js';

/**
 * The admin's control plane alone, on real ports: the mTLS control channel, and an HTTP API holding only the agent
 * routes (enrolment). Tests make orgs, gateways and resources through `ctx` and the services.
 */
export interface TestControlPlane {
  readonly ctx: AdminContext;
  readonly control: ControlServer;
  /** The HTTP API with the agent routes, and its base URL. */
  readonly api: FastifyInstance;
  readonly apiUrl: string;
  /** Closes the control channel and the API (again, if a test closed them already) and drops the database. */
  close(): Promise<void>;
}

/** Starts a control plane on a fresh database of `driver`; `now` is the admin's clock. */
export async function startControlPlane(
  driver: TestDriver,
  options: { now?: () => Date; control?: ControlServerOptions } = {},
): Promise<TestControlPlane> {
  const { database, drop } = await driver.open();
  const ctx = createAdminContext({
    config: loadConfig({ env: { RUSTRONAUT_ADMIN_CONTROL_LISTEN: '127.0.0.1:0' } }),
    logger: createLogger({ level: 'silent', format: 'json' }),
    database,
    masterKey: randomBytes(32),
    version: '0.0.0-test',
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const control = await startControlServer(ctx, options.control);
  const api = Fastify();
  api.setValidatorCompiler(validatorCompiler);
  api.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(api);
  await api.register(agentRoutes(ctx, control.url));
  const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  return {
    ctx,
    control,
    api,
    apiUrl,
    async close() {
      await control.close();
      await api.close();
      await drop();
    },
  };
}
