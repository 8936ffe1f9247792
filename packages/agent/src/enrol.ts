import { enrolResponse } from '@rustronaut/contracts';
import { errors } from '@rustronaut/errors';
import type { Logger } from '@rustronaut/observability';
import { request } from 'undici';
import type { z } from 'zod';
import type { AgentIdentity, AgentState } from './agent-state.js';

/** A fresh ECDSA P-256 key (PKCS#8 PEM) and a certificate request for it. */
export interface KeyAndRequest {
  readonly keyPem: string;
  readonly csrPem: string;
}

/**
 * Generates the agent's key and CSR (subject `CN=<commonName>`, which the admin ignores) with WebCrypto.
 * @peculiar/x509 (and the reflect-metadata polyfill it needs) is loaded here, at enrolment only, so a running
 * agent never pays its memory.
 */
export async function createKeyAndRequest(commonName: string): Promise<KeyAndRequest> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: `CN=${commonName}`, keys, signingAlgorithm: algorithm },
    crypto,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  const body = pkcs8.toString('base64').replace(/.{1,64}/g, '$&\n');
  return { keyPem: `-----BEGIN PRIVATE KEY-----\n${body}-----END PRIVATE KEY-----\n`, csrPem: csr.toString('pem') };
}

/**
 * Sends an enrolment (the one-time token, the CSR, and what else the agent declares) to `POST <adminUrl><path>`
 * (`/api/v1/agents/enrol` for gateways and hubs, `/api/v1/agents/connector-enrol` for connectors) and parses the
 * answer with `answer`. Throws ERR_ENROL_INVALID when the admin refuses the token, ERR_CONTROL_UNAVAILABLE when it
 * cannot be reached or answers something unexpected.
 */
export async function requestEnrolment<T>(
  adminUrl: string,
  path: string,
  body: { readonly token: string; readonly csr: string; readonly [field: string]: unknown },
  answer: z.ZodType<T>,
): Promise<T> {
  const url = new URL(path, adminUrl).href;
  let status: number;
  let text: string;
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    throw errors.controlUnavailable.create(`cannot reach the admin at ${url} to enrol: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const json = parseJson(text);
  if (status === 401) {
    throw errors.enrolInvalid.create(
      `the admin refused the enrolment token: ${detailOf(json) ?? 'unknown, used or expired'}`,
    );
  }
  const parsed = answer.safeParse(json);
  if (status !== 200 || !parsed.success) {
    throw errors.controlUnavailable.create(
      `the admin at ${url} answered enrolment with ${String(status)}${detailOf(json) ? `: ${detailOf(json) ?? ''}` : ''}`,
    );
  }
  return parsed.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function detailOf(json: unknown): string | undefined {
  const detail = (json as { detail?: unknown } | undefined)?.detail;
  return typeof detail === 'string' ? detail.slice(0, 300) : undefined;
}

/** What an enrolment answer gives an agent, whatever its kind. */
export interface Enrolled {
  readonly agentId: string;
  readonly orgId: string;
  readonly certificate: string;
  readonly caCertificate: string;
  readonly controlUrl: string;
}

/** What {@link loadOrEnrol} needs. */
export interface LoadOrEnrolOptions {
  readonly logger: Logger;
  /** What the agent is, for messages: `gateway`, `tunnel hub`, `connector`. */
  readonly what: string;
  /** Subject of the CSR (ignored by the admin). */
  readonly commonName: string;
  /** The one-time token, if one was given. */
  readonly token: string | undefined;
  /** How to give a token, for the error when none was given (`pass --enrol-token-file FILE or set ...`). */
  readonly tokenHint: string;
  /** Sends the enrolment with this CSR ({@link requestEnrolment}). */
  enrol(csrPem: string): Promise<Enrolled>;
}

/**
 * The agent's identity from its state directory, or, on first start, a new one: a key and CSR made here, sent with
 * the one-time token, and saved with the answer. A token given to an agent enrolled already is not used (logged).
 * Throws ERR_CONFIG_INVALID when the agent is not enrolled and has no token.
 */
export async function loadOrEnrol(state: AgentState, options: LoadOrEnrolOptions): Promise<AgentIdentity> {
  const { logger, what } = options;
  const existing = await state.loadIdentity();
  if (existing !== undefined) {
    if (options.token !== undefined) {
      logger.info(
        { agentId: existing.agentId, dir: state.dir },
        'already enrolled; the enrolment token is not used (remove the directory to enrol again)',
      );
    }
    return existing;
  }
  if (options.token === undefined) {
    throw errors.configInvalid.create(
      `invalid configuration:\n  this ${what} is not enrolled yet (nothing in ${state.dir}): ${options.tokenHint}`,
    );
  }
  const { keyPem, csrPem } = await createKeyAndRequest(options.commonName);
  const enrolled = await options.enrol(csrPem);
  const identity: AgentIdentity = {
    agentId: enrolled.agentId,
    orgId: enrolled.orgId,
    controlUrl: enrolled.controlUrl,
    keyPem,
    certPem: enrolled.certificate,
    caPem: enrolled.caCertificate,
  };
  await state.saveIdentity(identity);
  logger.info({ agentId: identity.agentId, controlUrl: identity.controlUrl }, `${what} enrolled with the admin`);
  return identity;
}

/** The enrolment of a gateway or a tunnel hub (`POST /api/v1/agents/enrol`, an `rgw_` token), for {@link loadOrEnrol}. */
export function gatewayEnrolment(adminUrl: string, token: string | undefined): (csrPem: string) => Promise<Enrolled> {
  return async (csr) => {
    const body = { token: token ?? '', csr };
    const { gatewayId, ...rest } = await requestEnrolment(adminUrl, '/api/v1/agents/enrol', body, enrolResponse);
    return { agentId: gatewayId, ...rest };
  };
}
