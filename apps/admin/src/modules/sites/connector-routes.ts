import { connectorEnrolRequest, connectorEnrolResponse } from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AdminContext } from '../../context.js';
import { enrolConnector } from './enrol-connector.js';

/** A connector enrolment is a token, a CSR and a public key: a few kilobytes. */
const ENROL_BODY_LIMIT_BYTES = 32 * 1024;

/**
 * `POST /api/v1/agents/connector-enrol`: public (the site's one-time token is the credential). A connector sends the
 * token, a CSR for its control-channel key and its WireGuard public key, and gets its client certificate, the CA to
 * trust and the control URL, where its snapshot carries its tunnel address, hub and targets.
 */
export function connectorRoutes(ctx: AdminContext, controlUrl: string) {
  return (app: FastifyInstance): void => {
    app.withTypeProvider<ZodTypeProvider>().post(
      '/api/v1/agents/connector-enrol',
      {
        bodyLimit: ENROL_BODY_LIMIT_BYTES,
        schema: {
          summary: "Enrol a site's connector with the site's one-time token",
          tags: ['agents'],
          body: connectorEnrolRequest,
          response: { 200: connectorEnrolResponse },
        },
      },
      async (request) => ({ ...(await enrolConnector(ctx, request.body, request.ip)), controlUrl }),
    );
  };
}
