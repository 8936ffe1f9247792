import type { Database } from '@rustronaut/db';
import type { Logger } from '@rustronaut/observability';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { systemRoutes } from './modules/system/routes.js';
import { registerErrorHandling } from './plugins/errors.js';

/** Everything the admin app needs, passed in (no globals). */
export interface AppDeps {
  readonly logger: Logger;
  readonly database: Database;
  readonly version: string;
}

/** Largest accepted request body; the API takes small JSON documents only. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Builds the admin Fastify app: every plugin and route module registered here, in order. */
export function buildApp(deps: AppDeps): FastifyInstance {
  // Widen pino's Logger to Fastify's logger type, so the instance has Fastify's default generics.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: BODY_LIMIT_BYTES,
    // Keep a well-formed X-Request-Id from the client; otherwise mint one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app);
  // OpenAPI comes from the routes' own zod schemas: one source for validation, types and docs.
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rustronaut admin API',
        version: deps.version,
        description: 'Errors are RFC 9457 problem documents with a stable `code` (see docs/errors.md).',
      },
    },
    transform: jsonSchemaTransform,
  });
  void app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());
  void app.register(systemRoutes({ version: deps.version, database: deps.database }));
  return app;
}
