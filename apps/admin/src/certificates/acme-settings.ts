import type { Config } from '@rustronaut/config';
import { errors } from '@rustronaut/errors';
import { readFile } from 'node:fs/promises';
import type { AcmeSettings } from './acme-order.js';

/**
 * The ACME settings of the static configuration, or undefined when no directory is configured. The extra trusted
 * root file is read now, so a missing or empty one fails the start (exit 2) rather than every order.
 */
export async function acmeSettings(
  config: Config,
): Promise<(AcmeSettings & { challenge: 'http-01' | 'tls-alpn-01' }) | undefined> {
  const { directoryUrl, email, trustedRootFile, challenge } = config.acme;
  if (directoryUrl === undefined) return undefined;
  let trustedRoots: string[] = [];
  if (trustedRootFile !== undefined) {
    const text = await readFile(trustedRootFile, 'utf8').catch((err: unknown) => {
      throw errors.configInvalid.create(
        `invalid configuration:\n  acme.trustedRootFile: cannot read "${trustedRootFile}": ${(err as Error).message}`,
      );
    });
    trustedRoots = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (trustedRoots.length === 0) {
      throw errors.configInvalid.create(
        `invalid configuration:\n  acme.trustedRootFile: "${trustedRootFile}" holds no PEM certificate`,
      );
    }
  }
  return { directoryUrl, email, trustedRoots, challenge };
}
