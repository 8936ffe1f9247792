import { canonicalPathProblem } from './canonical-path.js';
import { checkList, fail } from './check.js';
import type { CriterionMatcher } from './criterion.js';
import { listed, shown } from './format.js';
import type { PreparedRequest } from './prepared-request.js';

const SLASH = 0x2f;

/** A glob segment that is not a literal. */
const ONE = 1; // "*": exactly one segment, whatever it holds (even empty)
const ANY = 2; // "**": zero or more segments

/** A glob as segments: `kinds[i]` is 0 for the literal `literals[i]`, else ONE or ANY. */
interface Glob {
  readonly kinds: Uint8Array;
  readonly literals: readonly string[];
}

/** Whether `path` lies under `prefix` on whole segments, as route prefixes do: `/api` takes `/api/x`, not `/apix`. */
function underPrefix(path: string, prefix: string): boolean {
  return (
    path.startsWith(prefix) &&
    (path.length === prefix.length ||
      prefix.charCodeAt(prefix.length - 1) === SLASH ||
      path.charCodeAt(prefix.length) === SLASH)
  );
}

/**
 * Whether all of `path` matches `glob`, segment by segment, without splitting the path. The classic wildcard
 * walk: on a mismatch, return to the last `**` and let it swallow one more segment. Remembering only the last
 * `**` is enough, because everything it could swallow an earlier one could too (linear for most globs,
 * O(segments x pattern) at worst).
 */
export function matchesGlob(path: string, glob: Glob): boolean {
  const { kinds, literals } = glob;
  const patternLength = kinds.length;
  let p = 0;
  // Start of the current path segment; past the end once every segment is consumed.
  let s = 1;
  let anyP = -1;
  let anyS = 0;
  while (s <= path.length) {
    let end = path.indexOf('/', s);
    if (end < 0) end = path.length;
    const kind = p < patternLength ? kinds[p] : -1;
    if (kind === ONE || (kind === 0 && end - s === literals[p]!.length && path.startsWith(literals[p]!, s))) {
      p++;
      s = end + 1;
    } else if (kind === ANY) {
      anyP = p++;
      anyS = s;
    } else if (anyP >= 0) {
      p = anyP + 1;
      let swallowed = path.indexOf('/', anyS);
      if (swallowed < 0) swallowed = path.length;
      anyS = swallowed + 1;
      s = anyS;
    } else {
      return false;
    }
  }
  while (p < patternLength && kinds[p] === ANY) p++;
  return p === patternLength;
}

/** A `paths` entry compiled: a prefix (no wildcard segment) or a glob. */
interface PathPattern {
  readonly text: string;
  readonly glob: Glob | undefined;
}

/** Compiles one `paths` entry; `*` and `**` are wildcards only as whole segments. */
export function compilePathPattern(entry: unknown, field: string): PathPattern {
  if (typeof entry !== 'string') fail(field, `must be a string, got ${shown(entry)}`);
  const problem = canonicalPathProblem(entry);
  if (problem !== undefined) fail(field, `${shown(entry)} ${problem}`);
  const segments = entry.slice(1).split('/');
  if (!segments.some((segment) => segment.includes('*'))) return { text: entry, glob: undefined };
  const kinds = new Uint8Array(segments.length);
  segments.forEach((segment, i) => {
    if (segment === '*') kinds[i] = ONE;
    else if (segment === '**') kinds[i] = ANY;
    else if (segment.includes('*')) {
      fail(field, `${shown(entry)} uses "*" inside a segment; "*" and "**" must be whole segments`);
    }
  });
  return { text: entry, glob: { kinds, literals: segments } };
}

function matchesPattern(path: string, pattern: PathPattern): boolean {
  return pattern.glob === undefined ? underPrefix(path, pattern.text) : matchesGlob(path, pattern.glob);
}

/** Compiles `paths`: matches when the normalized request path is under one of the prefixes or matches one of the globs. */
export function compilePaths(value: unknown, field: string): CriterionMatcher {
  const patterns = checkList(value, field).map((entry, i) => compilePathPattern(entry, `${field}[${String(i)}]`));
  const texts = patterns.map((pattern) => pattern.text);
  const matches = (req: PreparedRequest): boolean => {
    for (const pattern of patterns) if (matchesPattern(req.path, pattern)) return true;
    return false;
  };
  return {
    criterion: 'paths',
    matches,
    describe(req, matched) {
      if (!matched) return `${req.path} matches none of ${listed(texts)}`;
      const pattern = patterns.find((candidate) => matchesPattern(req.path, candidate));
      return pattern?.glob === undefined
        ? `${req.path} is under ${pattern?.text ?? ''}`
        : `${req.path} matches ${pattern.text}`;
    },
  };
}
