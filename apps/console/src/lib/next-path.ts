/**
 * Where to go after signing in: only a path of this origin (`/orgs/…`), never `//host` or `/\host` (which browsers
 * read as another origin), a URL or the login page itself; otherwise the home page.
 */
export function safeNext(raw: string | null | undefined): string {
  if (raw === null || raw === undefined || raw === '') return '/';
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  if ([...raw].some((c) => c === '\\' || c.charCodeAt(0) < 0x20)) return '/';
  if (raw === '/login' || raw.startsWith('/login?') || raw.startsWith('/login/')) return '/';
  return raw;
}

/** The login page URL that comes back to `current` (path + search) afterwards. */
export function loginUrl(current: string): string {
  const next = safeNext(current);
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}
