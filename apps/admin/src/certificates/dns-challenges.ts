import type { Logger } from '@rustronaut/observability';
import type { AcmeChallenge, ChallengeProvider, ChallengeTarget } from './challenge-provider.js';
import type { DnsTxtPublisher } from './dns/dns-provider.js';

/** TTL of challenge records: short, so a resolver does not keep an old value across orders. */
const CHALLENGE_TTL = 60;

/** Where the CA looks for the record (RFC 8555 section 8.4): under the identifier, without a wildcard's `*.`. */
const recordName = (challenge: AcmeChallenge) => `_acme-challenge.${challenge.identifier.value}`;

/**
 * DNS-01 through a DNS provider: `present` publishes the TXT record whose value acme-client hands over as the key
 * authorization (already the base64url SHA-256 digest for dns-01), `cleanUp` removes exactly that record. A
 * failed clean-up is logged, not thrown: the certificate is issued by then, and the next order adds its own record.
 */
export function dnsChallengeProvider(publisher: DnsTxtPublisher, logger: Logger): ChallengeProvider {
  return {
    type: 'dns-01',
    async present(_target: ChallengeTarget, challenge: AcmeChallenge) {
      await publisher.addTxt(recordName(challenge), challenge.keyAuthorization, CHALLENGE_TTL);
    },
    async cleanUp(target: ChallengeTarget, challenge: AcmeChallenge) {
      await publisher.deleteTxt(recordName(challenge), challenge.keyAuthorization).catch((err: unknown) => {
        logger.warn(
          { host: target.host, record: recordName(challenge), error: (err as Error).message },
          'ACME: could not remove the DNS-01 record; remove it by hand',
        );
      });
    },
  };
}
