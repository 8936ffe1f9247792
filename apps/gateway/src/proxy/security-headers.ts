import type { SecurityHeadersConfig } from '@rustronaut/contracts';

/**
 * The security headers a route adds to responses that do not already carry them, as [name, value] pairs.
 * HSTS is separate: it is only sent over HTTPS (RFC 6797 section 7.2 forbids it on plain HTTP).
 */
export function securityHeaderList(config: SecurityHeadersConfig): ReadonlyArray<readonly [string, string]> {
  const list: Array<readonly [string, string]> = [];
  if (config.contentTypeOptions) list.push(['x-content-type-options', 'nosniff']);
  if (config.frameOptions !== 'off') list.push(['x-frame-options', config.frameOptions]);
  if (config.referrerPolicy !== 'off') list.push(['referrer-policy', config.referrerPolicy]);
  return Object.freeze(list);
}
