/**
 * The one line that enrols a site's connector: the shell's builtin `echo` pipes the token to the connector, which
 * reads it from `--token-file /dev/stdin`; so the token is in no process's argv (`ps`) and in no file at the site.
 */
export function connectorCommand(adminUrl: string, token: string): string {
  return `echo ${shellQuote(token)} | sudo rustronaut connector --admin ${urlWord(adminUrl)} --token-file /dev/stdin`;
}

/**
 * The same for a gateway (`rustronaut gateway`) or a tunnel hub (`rustronaut tunnel`, as root: it manages a WireGuard
 * interface); both read their one-time token from `--enrol-token-file`.
 */
export function agentCommand(kind: 'gateway' | 'hub', adminUrl: string, token: string): string {
  const program = kind === 'hub' ? 'sudo rustronaut tunnel' : 'rustronaut gateway';
  return `echo ${shellQuote(token)} | ${program} --admin ${urlWord(adminUrl)} --enrol-token-file /dev/stdin`;
}

/** A URL as one shell word: as it is when it holds no character the shell reads, else quoted. */
const urlWord = (url: string): string => (/^[A-Za-z0-9_:/.@%+=,-]+$/.test(url) ? url : shellQuote(url));

/** `value` as one shell word: in single quotes, each `'` written as `'\''`. */
const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/** Why a site is offline, in words (the reasons of the sites API; unknown ones as they are). */
export function offlineReasonText(reason: string | null | undefined): string {
  switch (reason) {
    case 'not_enrolled':
      return 'no connector has enrolled yet: run the connector command at the site';
    case 'connector_not_seen':
      return 'the connector has not reached the admin for 90 seconds: is it running, can it reach the admin?';
    case 'no_handshake':
      return 'no WireGuard handshake with the hub: check that UDP to the hub is allowed';
    case 'handshake_stale':
      return 'the last WireGuard handshake is over 3 minutes old: the tunnel is down';
    case null:
    case undefined:
      return 'the connector has not been seen recently';
    default:
      return reason;
  }
}
