import { canonicalPathProblem } from './canonical-path.js';
import { isFingerprint } from './device-criterion.js';
import { emailProblem } from './email-criterion.js';
import { parseIp, type IpWords } from './ip-address.js';
import { AUTH_METHODS, TCHAR } from './set-criteria.js';
import type { PreparedRequest } from './prepared-request.js';
import type { AuthMethod, DeviceContext, UserContext } from './types.js';

// Parsing is synchronous: one scratch record serves every call, and its words are copied out.
const scratch: IpWords = { family: 4, w0: 0, w1: 0, w2: 0, w3: 0 };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
function isStringArray(value: unknown): value is readonly string[] {
  if (!Array.isArray(value)) return false;
  for (const entry of value as unknown[]) if (typeof entry !== 'string') return false;
  return true;
}

/** A method token in uppercase (allocating only when it has lowercase letters), or `undefined`. */
function upperMethod(method: unknown): string | undefined {
  if (typeof method !== 'string' || method === '' || method.length > 64) return undefined;
  let lower = false;
  for (let i = 0; i < method.length; i++) {
    const c = method.charCodeAt(i);
    if (c >= 128 || TCHAR[c] !== 1) return undefined;
    if (c >= 0x61 && c <= 0x7a) lower = true;
  }
  return lower ? method.toUpperCase() : method;
}

function userProblem(user: Record<string, unknown>): string | undefined {
  if (typeof user.id !== 'string' || user.id === '') return 'user.id must be a non-empty string';
  if (typeof user.email !== 'string' || emailProblem(user.email) !== undefined) {
    return 'user.email must be an address with exactly one "@"';
  }
  if (!isStringArray(user.roles)) return 'user.roles must be an array of strings';
  return undefined;
}

function deviceProblem(device: Record<string, unknown>): string | undefined {
  const { chainFingerprints, sans, fingerprint } = device;
  if (!isStringArray(chainFingerprints) || !chainFingerprints.every(isFingerprint)) {
    return 'device.chainFingerprints must be SHA-256 fingerprints in 64 lowercase hex digits';
  }
  if (!isStringArray(sans)) return 'device.sans must be an array of strings';
  if (typeof fingerprint !== 'string' || !isFingerprint(fingerprint)) {
    return 'device.fingerprint must be a SHA-256 fingerprint in 64 lowercase hex digits';
  }
  return undefined;
}

/**
 * Checks `ctx` and reads it into a `PreparedRequest`, or returns what is wrong with it. Anything malformed
 * fails closed: the caller denies with `invalid_context`. Problems are constant strings (nothing is formatted
 * for a request that is refused anyway). `null` counts as absent for the optional fields (JSON has no `undefined`). Never throws on data,
 * but may on hostile objects (throwing getters): callers catch.
 */
export function prepareRequest(ctx: unknown): PreparedRequest | string {
  if (!isObject(ctx)) return 'the context must be an object';
  const { user, authMethod, secondFactor, sourceIp, method, path, time, device } = ctx;
  if (typeof sourceIp !== 'string' || !parseIp(sourceIp, scratch, true)) return 'sourceIp must be an IP address';
  const upper = upperMethod(method);
  if (upper === undefined) return 'method must be an HTTP method token';
  if (typeof path !== 'string' || canonicalPathProblem(path) !== undefined) {
    return 'path must be a normalized absolute path';
  }
  const timeMs = time instanceof Date ? time.getTime() : NaN;
  if (!Number.isFinite(timeMs)) return 'time must be a valid Date';
  if (user !== undefined && user !== null) {
    if (!isObject(user)) return 'user must be an object';
    const problem = userProblem(user);
    if (problem !== undefined) return problem;
  }
  if (
    authMethod !== undefined &&
    authMethod !== null &&
    (typeof authMethod !== 'string' || !AUTH_METHODS.has(authMethod))
  ) {
    return 'authMethod must be one of password, sso, api_key, mtls';
  }
  if (secondFactor !== undefined && secondFactor !== null && typeof secondFactor !== 'boolean') {
    return 'secondFactor must be a boolean';
  }
  if (device !== undefined && device !== null) {
    if (!isObject(device)) return 'device must be an object';
    const problem = deviceProblem(device);
    if (problem !== undefined) return problem;
  }
  const knownUser = isObject(user) ? (user as unknown as UserContext) : undefined;
  return {
    family: scratch.family,
    w0: scratch.w0,
    w1: scratch.w1,
    w2: scratch.w2,
    w3: scratch.w3,
    user: knownUser,
    email: knownUser === undefined ? '' : knownUser.email.toLowerCase(),
    authMethod: authMethod === null ? undefined : (authMethod as AuthMethod | undefined),
    secondFactor: secondFactor === true,
    sourceIp,
    method: upper,
    path,
    timeMs,
    device: isObject(device) ? (device as unknown as DeviceContext) : undefined,
  };
}
