/**
 * The one line that enrols a site's connector: the token goes into a file first (a builtin `printf`, so it is never
 * in a process's argv), then the connector reads it with `--token-file` and deletes nothing else.
 */
export function connectorCommand(adminUrl: string, token: string): string {
  const quoted = `'${token.replaceAll("'", `'\\''`)}'`;
  return `printf '%s' ${quoted} > site.token && rustronaut connector --admin ${adminUrl} --token-file site.token`;
}

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
