/** A rule to start from: members with the `admin` or `operator` role may use the resource. */
export const STARTER_RULES: readonly unknown[] = [
  { id: 'team', effect: 'allow', description: 'The team may use it', when: { roles: ['admin', 'operator'] } },
];

/** The rules editor's text parsed: the rules, or where the JSON is broken. */
export type ParsedRules = { readonly rules: unknown[] } | { readonly error: string };

/** Parses the editor's JSON; the rules' meaning is checked by the API (which names the exact rule and field). */
export function parseRules(text: string): ParsedRules {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    return { error: `not valid JSON: ${(err as Error).message}` };
  }
  if (!Array.isArray(value))
    return { error: 'the rules must be a JSON array: [ { "id": …, "effect": …, "when": … } ]' };
  return { rules: value };
}

/** Rules as the editor shows them. */
export function formatRules(rules: readonly unknown[]): string {
  return JSON.stringify(rules, null, 2);
}
