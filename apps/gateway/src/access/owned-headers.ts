const X = 0x78;
const HYPHEN = 0x2d;
const UNDERSCORE = 0x5f;

/**
 * True for a header name the gateway owns: `x-rustronaut-*` in any case, with `_` standing for `-` anywhere
 * (`X_Rustronaut_User`). Some servers (nginx with `underscores_in_headers`, CGI-style frameworks) map `_` to `-`,
 * so a client could otherwise smuggle `X_Rustronaut_User` past a check for the hyphenated name. `lowerName` must
 * already be lowercase.
 */
export function isGatewayOwnedHeader(lowerName: string): boolean {
  if (lowerName.length < 12 || lowerName.charCodeAt(0) !== X) return false;
  const separator = lowerName.charCodeAt(1);
  return (separator === HYPHEN || separator === UNDERSCORE) && lowerName.startsWith('rustronaut', 2);
}
