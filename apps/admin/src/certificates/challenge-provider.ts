/** The host a challenge is for: its row in `acme_hosts`. */
export interface ChallengeTarget {
  readonly orgId: string;
  /** Id of the `acme_hosts` row. */
  readonly hostId: string;
  readonly host: string;
}

/** What the CA asks for, as acme-client hands it over (RFC 8555 section 8). */
export interface AcmeChallenge {
  readonly type: string;
  readonly token: string;
  /** The authorization's identifier, for TLS-ALPN-01's validation certificate. */
  readonly identifier: { readonly type: string; readonly value: string };
  /** `<token>.<account key thumbprint>`, what HTTP-01 answers and TLS-ALPN-01 hashes (RFC 8555 section 8.1). */
  readonly keyAuthorization: string;
}

/**
 * One way of proving control of a host to the CA. `present` returns once the proof is in place everywhere the CA
 * may look (every gateway serves it, or the DNS record is published); `cleanUp` removes it and never throws for a
 * proof already gone. To add a provider (another DNS API), implement these two and name its `type`.
 */
export interface ChallengeProvider {
  /** The ACME challenge type it answers. */
  readonly type: 'http-01' | 'tls-alpn-01' | 'dns-01';
  present(target: ChallengeTarget, challenge: AcmeChallenge): Promise<void>;
  cleanUp(target: ChallengeTarget, challenge: AcmeChallenge): Promise<void>;
}
