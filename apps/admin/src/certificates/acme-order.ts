import { getSetting, insertSetting, setSetting } from '@rustronaut/db';
import { errors, isAppError } from '@rustronaut/errors';
import * as acme from 'acme-client';
import { Agent, get } from 'node:https';
import { rootCertificates } from 'node:tls';
import { z } from 'zod';
import type { AdminContext } from '../context.js';
import type { ChallengeProvider, ChallengeTarget } from './challenge-provider.js';

/** Where and as whom certificates are ordered. */
export interface AcmeSettings {
  /** The CA's directory URL (RFC 8555 section 7.1.1). */
  readonly directoryUrl: string;
  /** Contact of the account, if any. */
  readonly email?: string | undefined;
  /** PEM certificates trusted for the directory's HTTPS besides the system roots (a test or private CA). */
  readonly trustedRoots?: readonly string[];
}

/** A freshly issued certificate and its key. */
export interface OrderedCertificate {
  /** The leaf, then its chain (PEM). */
  readonly certPem: string;
  /** PKCS#8 PEM; the caller seals it before it touches the database. */
  readonly keyPem: string;
}

const ACCOUNT_SEAL = 'acme-account';
const storedAccount = z.object({ keyEnc: z.string(), url: z.string().optional() });
const DIRECTORY_TIMEOUT_MS = 10_000;

/**
 * Applies the HTTP settings of acme-client's shared axios instance: the trusted roots, a timeout, and no retries
 * of its own (its retry loop waits up to a minute and a quarter per request and, after the last, fails with a
 * TypeError instead of the network error): the certificate manager retries whole orders with backoff instead.
 */
function configureHttp(settings: AcmeSettings): Agent {
  const agent = new Agent({ ca: [...rootCertificates, ...(settings.trustedRoots ?? [])], keepAlive: false });
  acme.axios.defaults.httpsAgent = agent;
  acme.axios.defaults.timeout = DIRECTORY_TIMEOUT_MS;
  (acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings.retryMaxAttempts = 0;
  return agent;
}

/**
 * Orders a certificate for `target.host` (RFC 8555 section 7.4) with an ECDSA P-256 key made here, proving control
 * of the host with `provider`. The ACME account (one per directory and contact, key sealed in `settings`) is
 * created on first use; `termsOfServiceAgreed` is sent because configuring a directory is agreeing to its terms. Throws an Error
 * whose message says what failed, in the CA's words when it answered.
 */
export async function orderCertificate(
  ctx: AdminContext,
  settings: AcmeSettings,
  provider: ChallengeProvider,
  target: ChallengeTarget,
): Promise<OrderedCertificate> {
  const agent = configureHttp(settings);
  await checkDirectory(settings.directoryUrl, agent);
  const account = await accountOf(ctx, settings);
  const client = new acme.Client({
    directoryUrl: settings.directoryUrl,
    accountKey: account.key,
    ...(account.url === undefined ? {} : { accountUrl: account.url }),
    backoffAttempts: 12,
    backoffMin: 250,
    backoffMax: 5000,
  });
  if (account.url === undefined) {
    // RFC 8555 section 7.3; the CA checks the contact here (an address it refuses fails the order).
    await client.createAccount({
      termsOfServiceAgreed: true,
      ...(settings.email === undefined ? {} : { contact: [`mailto:${settings.email}`] }),
    });
    await setSetting(ctx.db, account.setting, { keyEnc: account.keyEnc, url: client.getAccountUrl() });
  }
  const key = await acme.crypto.createPrivateEcdsaKey();
  const [, csr] = await acme.crypto.createCsr({ commonName: target.host, altNames: [target.host] }, key);
  const toChallenge = (authz: acme.Authorization, challenge: { type: string; token?: string }, keyAuth: string) => {
    if (challenge.type !== provider.type) {
      throw new Error(`the CA offers no ${provider.type} challenge for ${target.host} (only ${challenge.type})`);
    }
    return {
      type: challenge.type,
      token: challenge.token ?? '',
      identifier: authz.identifier,
      keyAuthorization: keyAuth,
    };
  };
  try {
    const certPem = await client.auto({
      csr,
      challengePriority: [provider.type],
      // The admin cannot reach the host as the CA would (the gateway may be elsewhere); the CA checks.
      skipChallengeVerification: true,
      challengeCreateFn: (authz, challenge, keyAuth) =>
        provider.present(target, toChallenge(authz, challenge, keyAuth)),
      challengeRemoveFn: (authz, challenge, keyAuth) =>
        provider.cleanUp(target, toChallenge(authz, challenge, keyAuth)),
    });
    return { certPem, keyPem: key.toString() };
  } catch (err) {
    // acme-client's HTTP layer turns a lost connection into a TypeError about `config`.
    if (err instanceof TypeError && /reading 'config'/.test(err.message)) {
      throw new Error(`lost the connection to the ACME server ${settings.directoryUrl}`, { cause: err });
    }
    throw err;
  } finally {
    agent.destroy();
  }
}

/** GETs the directory first, so an unreachable or wrong CA fails with a message that says so. */
function checkDirectory(url: string, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => reject(new Error(`the ACME directory ${url} is unreachable: ${reason}`));
    const req = get(url, { agent, timeout: DIRECTORY_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk.slice(0, 65_536)));
      res.on('end', () => {
        if (res.statusCode !== 200) return fail(`it answered HTTP ${String(res.statusCode)}`);
        try {
          const directory = JSON.parse(body) as { newNonce?: unknown };
          if (typeof directory.newNonce !== 'string') return fail('the answer is not an ACME directory');
        } catch {
          return fail('the answer is not JSON');
        }
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${String(DIRECTORY_TIMEOUT_MS / 1000)} s`)));
    req.on('error', (err) => fail(err.message));
  });
}

/**
 * The account for a directory and contact: its key sealed in `settings`, created on first use (by one admin;
 * others reuse it), and its URL once the CA registered it. A new contact email makes a new account.
 */
async function accountOf(ctx: AdminContext, settings: AcmeSettings) {
  const setting = `acme.account.${settings.email ?? '-'}.${settings.directoryUrl}`;
  const read = async () => {
    const value = await getSetting(ctx.db, setting);
    return value === undefined ? undefined : storedAccount.parse(value);
  };
  const opened = (stored: z.infer<typeof storedAccount>) => ({
    setting,
    keyEnc: stored.keyEnc,
    key: ctx.secrets.open(stored.keyEnc, ACCOUNT_SEAL),
    url: stored.url,
  });
  const stored = await read();
  if (stored !== undefined) return opened(stored);
  const keyEnc = ctx.secrets.seal(await acme.crypto.createPrivateEcdsaKey(), ACCOUNT_SEAL);
  try {
    await insertSetting(ctx.db, setting, { keyEnc });
    return opened({ keyEnc });
  } catch (err) {
    if (!isAppError(err) || err.code !== errors.dbUniqueViolation.code) throw err;
    const theirs = await read();
    if (theirs === undefined) throw err;
    return opened(theirs);
  }
}
