import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminContext } from '../context.js';
import {
  ACCESS_COOKIE,
  ACCESS_TOKEN_SECONDS,
  REFRESH_COOKIE,
  issueAccessToken,
  type AccessClaims,
} from './access-token.js';
import { SESSION_DAYS } from './session-service.js';

/** Sets the console's cookies: the access token for the API, the refresh token only for /api/v1/auth. */
export function setSessionCookies(request: FastifyRequest, reply: FastifyReply, access: string, refresh: string): void {
  const secure = request.protocol === 'https';
  reply.setCookie(ACCESS_COOKIE, access, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure,
    maxAge: ACCESS_TOKEN_SECONDS,
  });
  reply.setCookie(REFRESH_COOKIE, refresh, {
    path: '/api/v1/auth',
    httpOnly: true,
    sameSite: 'strict',
    secure,
    maxAge: SESSION_DAYS * 24 * 3600,
  });
}

/** Clears the console's cookies (sign-out). */
export function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(ACCESS_COOKIE, { path: '/' });
  reply.clearCookie(REFRESH_COOKIE, { path: '/api/v1/auth' });
}

/** The token answer of a sign-in or refresh. */
export async function sessionTokens(ctx: AdminContext, claims: AccessClaims, refreshToken: string) {
  return {
    accessToken: await issueAccessToken(ctx.keys, claims),
    tokenType: 'Bearer' as const,
    expiresIn: ACCESS_TOKEN_SECONDS,
    refreshToken,
    sessionId: claims.sessionId,
  };
}
