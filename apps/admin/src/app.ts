import cookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import type { AdminContext } from './context.js';
import { controlUrlOf } from './control/control-url.js';
import { accessRoutes } from './modules/access/routes.js';
import { auditRoutes } from './modules/audit/routes.js';
import { authRoutes } from './modules/auth/routes.js';
import { apiKeyRoutes } from './modules/api-keys/routes.js';
import { agentRoutes } from './modules/gateways/agent-routes.js';
import { gatewayRoutes } from './modules/gateways/routes.js';
import { certificateRoutes } from './modules/certificates/routes.js';
import { deviceCaRoutes } from './modules/device-cas/routes.js';
import { dnsProviderRoutes } from './modules/dns-providers/routes.js';
import { identityProviderRoutes } from './modules/identity-providers/routes.js';
import { memberRoutes } from './modules/members/routes.js';
import { monitorRoutes, type MonitorRoutesOptions } from './modules/monitor/routes.js';
import { orgRoutes } from './modules/orgs/routes.js';
import { policyRoutes } from './modules/policies/routes.js';
import { resourceRoutes } from './modules/resources/routes.js';
import { connectorRoutes } from './modules/sites/connector-routes.js';
import { siteRoutes } from './modules/sites/routes.js';
import { deviceRoutes } from './modules/devices/routes.js';
import { roleRoutes } from './modules/roles/routes.js';
import { orgSessionRoutes } from './modules/sessions/routes.js';
import { systemRoutes } from './modules/system/routes.js';
import { registerAuthentication } from './plugins/authenticate.js';
import { consoleRoutes, DEFAULT_CONSOLE_DIR } from './plugins/console.js';
import { answerFrameworkError, registerErrorHandling } from './plugins/errors.js';

/** Largest accepted request body; the API takes small JSON documents only. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** URL of the running control listener, handed to enrolling agents; default: derived from the config. */
  readonly controlUrl?: string;
  /** Directory of the console's built bundle (`index.html`, `assets/`); default: apps/console/dist. */
  readonly consoleDir?: string;
  /** Timings of the live monitor stream (tests shorten them). */
  readonly monitor?: MonitorRoutesOptions;
}

/** Builds the admin Fastify app: every plugin and route module registered here, in order. */
export function buildApp(ctx: AdminContext, options: BuildAppOptions = {}): FastifyInstance {
  // Widen pino's Logger to Fastify's logger type, so the instance has Fastify's default generics.
  const loggerInstance: FastifyBaseLogger = ctx.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: BODY_LIMIT_BYTES,
    // Keep a well-formed X-Request-Id from the client; otherwise mint one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    frameworkErrors: answerFrameworkError,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app);
  void app.register(cookie);
  // OpenAPI comes from the routes' own zod schemas: one source for validation, types and docs.
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rustronaut admin API',
        version: ctx.version,
        description:
          'Errors are RFC 9457 problem documents with a stable `code` (see docs/errors.md). Authenticate with `Authorization: Bearer <access token or API key>`; the console uses a session cookie.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'Access token (JWT) from /api/v1/auth/login, or an API key (rsk_...).',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    // An org-scoped route's permission (`orgRoute()` puts it in the route config) is published as `x-permission`;
    // docs/rbac.md is generated from it.
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      const permission = (input.route.config as { permission?: unknown } | undefined)?.permission;
      return typeof permission === 'string' ? { ...out, schema: { ...out.schema, 'x-permission': permission } } : out;
    },
  });
  void app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());
  registerAuthentication(app, ctx);
  void app.register(systemRoutes({ version: ctx.version, database: ctx.database }));
  void app.register(authRoutes(ctx));
  void app.register(accessRoutes(ctx));
  void app.register(identityProviderRoutes(ctx));
  void app.register(deviceCaRoutes(ctx));
  void app.register(orgRoutes(ctx));
  void app.register(resourceRoutes(ctx));
  void app.register(policyRoutes(ctx));
  void app.register(siteRoutes(ctx));
  void app.register(deviceRoutes(ctx));
  void app.register(memberRoutes(ctx));
  void app.register(roleRoutes(ctx));
  void app.register(apiKeyRoutes(ctx));
  void app.register(orgSessionRoutes(ctx));
  void app.register(auditRoutes(ctx));
  void app.register(gatewayRoutes(ctx));
  void app.register(certificateRoutes(ctx));
  void app.register(dnsProviderRoutes(ctx));
  void app.register(monitorRoutes(ctx, options.monitor));
  void app.register(agentRoutes(ctx, options.controlUrl ?? controlUrlOf(ctx.config)));
  void app.register(connectorRoutes(ctx, options.controlUrl ?? controlUrlOf(ctx.config)));
  // Last: the console's pages answer every GET no route above took, except under /api/ and /.well-known/.
  void app.register(consoleRoutes({ dir: options.consoleDir ?? DEFAULT_CONSOLE_DIR }));
  return app;
}
