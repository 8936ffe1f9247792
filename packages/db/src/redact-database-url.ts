/**
 * Returns the URL with its password (in the userinfo or a `password` query parameter) replaced by `***`,
 * for logs and error messages. An unparsable URL comes back as a placeholder, never verbatim.
 */
export function redactDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<unparsable database URL>';
  }
  if (parsed.password !== '') parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}

/** The secrets a URL carries, raw and percent-decoded, so they can be scrubbed from driver messages. */
export function databaseUrlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const secrets = [parsed.password, parsed.searchParams.get('password') ?? ''].filter((s) => s !== '');
  return [...new Set(secrets.flatMap((s) => [s, safeDecode(s)]))];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
