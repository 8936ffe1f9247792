/** Where the console remembers the organisation last opened in this browser: its SSO buttons show at sign-in. */
const LAST_ORG_KEY = 'rustronaut.lastOrg';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The organisation whose single sign-on buttons the login page shows: the one a gateway's intent is for (its
 * second part, `v1.<orgId>.<sealed>`), else `?org=`, else the one last opened in this browser.
 */
export function signInOrg(intent: string, org: string | null, remembered: string | null): string | undefined {
  const fromIntent = /^v1\.([^.]+)\./.exec(intent)?.[1];
  return [fromIntent, org, remembered].find((id): id is string => id !== undefined && id !== null && UUID.test(id));
}

/** The organisation last opened in this browser (nothing when storage is unavailable). */
export function rememberedOrg(): string | null {
  try {
    return window.localStorage.getItem(LAST_ORG_KEY);
  } catch {
    return null;
  }
}

/** Remembers the organisation just opened. */
export function rememberOrg(orgId: string): void {
  try {
    window.localStorage.setItem(LAST_ORG_KEY, orgId);
  } catch {
    // Private mode or storage disabled: the login page then shows the buttons of an intent or `?org=` only.
  }
}

/** The address that starts single sign-on with a provider, carrying a gateway's intent when there is one. */
export function ssoStartHref(startUrl: string, intent: string): string {
  return intent === '' ? startUrl : `${startUrl}?intent=${encodeURIComponent(intent)}`;
}

/**
 * A role mapping as typed: one `claim value = role` a line (blank lines ignored). Returns the mapping, or the
 * first line that is not of that shape.
 */
export function parseRoleMapping(text: string): { mapping: Record<string, string> } | { error: string } {
  const mapping: Record<string, string> = {};
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const eq = line.lastIndexOf('=');
    const value = line.slice(0, eq).trim();
    const role = line.slice(eq + 1).trim();
    if (eq === -1 || value === '' || role === '') {
      return { error: `line ${String(i + 1)}: expected “claim value = role”, e.g. “ops = operator”` };
    }
    mapping[value] = role;
  }
  return { mapping };
}

/** A comma- or space-separated list, without empty entries. */
export const listOf = (text: string): string[] => text.split(/[\s,]+/).filter((s) => s !== '');
