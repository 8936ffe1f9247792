import { mapDbError } from '@rustronaut/db';
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

/** What a unique constraint protects, in words, for the 409 answer. */
const CONSTRAINT_MESSAGES: Record<string, string> = {
  organizations_slug_unique: 'an organisation with this slug exists',
  users_email_unique: 'a user with this email exists',
  roles_org_name_idx: 'a role with this name exists in this organisation',
  policies_org_name_idx: 'a policy with this name exists in this organisation',
  sites_org_name_idx: 'a site with this name exists in this organisation',
  site_targets_site_name_idx: 'a target with this name exists in this site',
  site_targets_site_port_idx: 'this tunnel port is used by another target of the site: choose another tunnelPort',
  devices_org_user_name_idx: 'you have a device with this name in this organisation',
  devices_public_key_unique: 'this WireGuard public key belongs to another device',
  resources_org_name_idx: 'a resource with this name exists in this organisation',
  resources_route_idx: 'another resource already publishes this host and path (or port)',
  gateways_org_name_idx: 'a gateway with this name exists in this organisation',
  memberships_org_id_user_id_pk: 'this user is already a member',
  device_cas_org_fingerprint_idx: 'this CA certificate is already trusted in this organisation',
  device_cas_org_name_idx: 'a device CA with this name exists in this organisation',
};

/**
 * SQLSTATEs of values the client sent that PostgreSQL cannot store: a NUL character in text (22021) or in JSON
 * (22P05, `\u0000`). They are the client's fault, so 400 rather than 500.
 */
const UNSTORABLE_SQLSTATES = new Set(['22021', '22P05']);

function isUnstorableValue(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    if (UNSTORABLE_SQLSTATES.has(String((e as { code?: unknown }).code))) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function conflictMessage(constraint: unknown): string {
  return (
    (typeof constraint === 'string' ? CONSTRAINT_MESSAGES[constraint] : undefined) ??
    'the change conflicts with an existing object'
  );
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
    const known = mapDbError(error);
    if (isAppError(known)) {
      const details = known.details ?? {};
      if (typeof details.retryAfterSeconds === 'number')
        void reply.header('retry-after', String(details.retryAfterSeconds));
      const fieldErrors = Array.isArray(details.errors) ? (details.errors as ProblemResponse['errors']) : undefined;
      const message =
        known !== error && known.code === errors.dbUniqueViolation.code
          ? conflictMessage(details.constraint)
          : known.message;
      return send(reply, problem(request, known, message, fieldErrors));
    }
    if (isUnstorableValue(error)) {
      return send(
        reply,
        problem(request, errors.badRequest, 'the request holds a NUL character, which cannot be stored'),
      );
    }
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

/**
 * Fastify's `frameworkErrors` option: a URL the router refuses before any route runs (malformed percent-encoding,
 * a path parameter over the router's length limit) is answered with a problem document too, not Fastify's JSON.
 */
export function answerFrameworkError(_error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void send(reply, problem(request, errors.badRequest, 'the URL is malformed or a path segment is too long'));
}
