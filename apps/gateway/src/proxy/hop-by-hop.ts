/**
 * Hop-by-hop header fields (RFC 9110 section 7.6.1): they describe one connection and are never forwarded.
 * `proxy-connection` is the non-standard twin some clients still send. `expect` is answered by the gateway
 * itself (Node sends 100-continue) and not forwarded.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

/** True for a lowercase header name that must not be forwarded. */
export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name);
}

/**
 * The extra header names a message lists in its `Connection` field (RFC 9110 section 7.6.1: "a proxy MUST
 * ... remove any header field named in the Connection field"), lowercased; undefined when there are none.
 */
export function connectionListed(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  const text = Array.isArray(connection) ? connection.join(',') : connection;
  let listed: Set<string> | undefined;
  for (const token of text.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '' && name !== 'close' && name !== 'keep-alive' && name !== 'upgrade')
      (listed ??= new Set()).add(name);
  }
  return listed;
}
