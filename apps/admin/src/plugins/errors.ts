import { errors, isAppError, type ErrorDefinition } from '@rustronaut/errors';
import type { ProblemResponse } from '@rustronaut/contracts';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** Fastify's own error codes that are the client's fault, mapped to ours. */
const FASTIFY_CODES: Record<string, ErrorDefinition> = {
  FST_ERR_CTP_BODY_TOO_LARGE: errors.bodyTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: errors.unsupportedMediaType,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: errors.badRequest,
  FST_ERR_CTP_EMPTY_JSON_BODY: errors.badRequest,
  FST_ERR_CTP_INVALID_JSON_BODY: errors.badRequest,
};

function problem(
  request: FastifyRequest,
  def: Pick<ErrorDefinition, 'code' | 'status'>,
  detail: string,
  fieldErrors?: ProblemResponse['errors'],
): ProblemResponse {
  return {
    type: 'about:blank',
    title: def.code,
    status: def.status,
    code: def.code,
    detail,
    requestId: request.id,
    ...(fieldErrors ? { errors: fieldErrors } : {}),
  };
}

function send(reply: FastifyReply, body: ProblemResponse): FastifyReply {
  return reply.status(body.status).type('application/problem+json').send(body);
}

/**
 * The one place errors become responses: RFC 9457 problem documents with a stable code.
 * Unexpected errors are logged with their cause and answered with ERR_INTERNAL, never their message.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const fieldErrors = error.validation.map((v) => ({
        field: [error.validationContext, v.instancePath.replace(/^\//, '').replaceAll('/', '.')]
          .filter(Boolean)
          .join('.'),
        message: v.message ?? 'invalid value',
      }));
      return send(reply, problem(request, errors.validation, 'the request does not match the schema', fieldErrors));
    }
    if (isAppError(error)) return send(reply, problem(request, error, error.message));
    const mapped = FASTIFY_CODES[error.code];
    if (mapped) return send(reply, problem(request, mapped, error.message));
    if (error instanceof SyntaxError || (error.statusCode !== undefined && error.statusCode < 500)) {
      return send(reply, problem(request, errors.badRequest, 'the request is malformed'));
    }
    request.log.error({ err: error }, 'unexpected error');
    return send(reply, problem(request, errors.internal, 'internal error; see the server log for this request id'));
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, problem(request, errors.notFound, `no route for ${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );
}
