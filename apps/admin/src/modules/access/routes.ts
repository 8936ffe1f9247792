import { accessGrantRequest, accessGrantResponse } from '@rustronaut/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { grantAccess } from '../../access/access-codes.js';
import type { AdminContext } from '../../context.js';
import { requireUser } from '../../plugins/authenticate.js';

/** `POST /api/v1/auth/access-grant`: the step between the login page and a protected resource. */
export function accessRoutes(ctx: AdminContext) {
  return (app: FastifyInstance): void => {
    app.withTypeProvider<ZodTypeProvider>().post(
      '/api/v1/auth/access-grant',
      {
        schema: {
          summary: "Continue to a protected resource: trade a gateway's sign-in intent for a one-time code",
          description:
            "For a signed-in user (session cookie or access token; not an API key). The answer is the resource's callback URL with a code that its gateway redeems, once and within 30 s, for a host-scoped session cookie.",
          tags: ['auth'],
          body: accessGrantRequest,
          response: { 200: accessGrantResponse },
        },
      },
      async (request) => grantAccess(ctx, requireUser(request), request.body.intent, request.ip),
    );
  };
}
