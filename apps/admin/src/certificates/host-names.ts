/**
 * The wildcard name that covers `host`: `*.` and its parent domain, since a wildcard stands for exactly one whole
 * left-most label (RFC 6125 section 6.4.3). Undefined for a name with fewer than three labels (`*.com` is no name a
 * CA issues) and for a wildcard itself.
 */
export function wildcardFor(host: string): string | undefined {
  if (host.startsWith('*.')) return undefined;
  const parent = host.slice(host.indexOf('.') + 1);
  return host.includes('.') && parent.includes('.') ? `*.${parent}` : undefined;
}

/** Whether a certificate for `names` serves `host`: by the exact name, or by the wildcard that covers it. */
export function covers(names: readonly string[], host: string): boolean {
  const wildcard = wildcardFor(host);
  return names.includes(host) || (wildcard !== undefined && names.includes(wildcard));
}
