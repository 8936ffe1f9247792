// CI hardening, run by .ci/run after `npm ci`: the runtime dependencies (what `npm ci --omit=dev` installs, the
// image's node_modules) must have no known high or critical vulnerability and only licences we may ship.
// Exceptions are listed below with their reason and in docs/security.md ("Dependency checks").
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Licences (SPDX ids) a runtime dependency may carry: permissive ones, compatible with Apache-2.0. */
const ALLOWED = new Set([
  'MIT',
  'ISC',
  'Apache-2.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  '0BSD',
  'BlueOak-1.0.0',
  'CC0-1.0',
  'Unlicense',
  'Python-2.0',
  'CC-BY-4.0',
  'MIT-0',
]);
/** Packages whose licence field is missing or unusual, checked by hand: name -> reason. None today. */
const LICENCE_EXCEPTIONS = new Map([]);
/** Advisories accepted for now: GHSA id -> reason. None today. */
const AUDIT_EXCEPTIONS = new Map([]);

const root = new URL('..', import.meta.url).pathname;
const problems = [];

// An SPDX expression passes when one side of every OR, and both sides of every AND, are allowed.
function allowed(expression) {
  const text = expression.trim().replace(/^\((.*)\)$/, '$1');
  if (/ OR /i.test(text)) return text.split(/ OR /i).some(allowed);
  if (/ AND /i.test(text)) return text.split(/ AND /i).every(allowed);
  return ALLOWED.has(text);
}

const paths = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((p) => p.includes('node_modules'));
for (const dir of new Set(paths)) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const licence = typeof pkg.license === 'string' ? pkg.license : pkg.license?.type;
  if (LICENCE_EXCEPTIONS.has(pkg.name)) continue;
  if (typeof licence !== 'string' || !allowed(licence)) {
    problems.push(`licence: ${pkg.name}@${pkg.version} is "${String(licence)}", not in the allowed list`);
  }
}
console.log(`licences: ${String(new Set(paths).size)} runtime packages checked`);

let report;
try {
  report = JSON.parse(
    execFileSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], { cwd: root, encoding: 'utf8' }),
  );
} catch (err) {
  // npm audit exits 1 when it finds something; its JSON is still on stdout.
  report = JSON.parse(err.stdout || '{}');
}
if (report.error !== undefined || report.metadata === undefined) {
  const why = report.error?.summary || 'the advisory endpoint answered an error';
  if (process.env.RUSTRONAUT_AUDIT_REQUIRED === '1') problems.push(`npm audit could not run: ${why}`);
  else
    console.warn(
      `WARNING: npm audit could not reach the advisory database (${why}); set RUSTRONAUT_AUDIT_REQUIRED=1 to fail on this`,
    );
} else {
  for (const [name, vuln] of Object.entries(report.vulnerabilities ?? {})) {
    if (vuln.severity !== 'high' && vuln.severity !== 'critical') continue;
    const ids = vuln.via.filter((v) => typeof v === 'object').map((v) => String(v.url).split('/').pop());
    if (ids.length > 0 && ids.every((id) => AUDIT_EXCEPTIONS.has(id))) continue;
    problems.push(`audit: ${name} has a ${vuln.severity} vulnerability (${ids.join(', ') || 'through a dependency'})`);
  }
  console.log(`npm audit: ${JSON.stringify(report.metadata.vulnerabilities)}`);
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('dependencies OK');
