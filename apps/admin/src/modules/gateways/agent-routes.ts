import { enrolRequest, enrolResponse } from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AdminContext } from '../../context.js';
import { controlUrlOf } from '../../control/control-url.js';
import { enrolGateway } from './service.js';

/** An enrolment request is a token and a CSR: a few kilobytes. */
const ENROL_BODY_LIMIT_BYTES = 32 * 1024;

/**
 * `POST /api/v1/agents/enrol`: public (the one-time token is the credential). A gateway sends its token and a CSR
 * for a key it generated, and gets its client certificate, the CA to trust and the control URL. `controlUrl`
 * defaults to the one derived from the configuration; pass the control server's bound URL when it differs.
 */
export function agentRoutes(ctx: AdminContext, controlUrl: string = controlUrlOf(ctx.config)) {
  return (app: FastifyInstance): void => {
    app.withTypeProvider<ZodTypeProvider>().post(
      '/api/v1/agents/enrol',
      {
        bodyLimit: ENROL_BODY_LIMIT_BYTES,
        schema: {
          summary: 'Enrol an agent with a one-time token',
          tags: ['agents'],
          body: enrolRequest,
          response: { 200: enrolResponse },
        },
      },
      async (request) => ({
        ...(await enrolGateway(ctx, request.body.token, request.body.csr, request.ip)),
        controlUrl,
      }),
    );
  };
}
