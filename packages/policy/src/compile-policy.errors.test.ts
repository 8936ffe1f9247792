import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import type { Policy } from './types.js';

/** A policy whose rule `rules[1]` has `when`; rule 0 is valid, so errors must name the right index. */
const withWhen = (when: unknown, effect = 'allow'): unknown => ({
  rules: [
    { id: 'ok', effect: 'allow', when: { roles: ['admin'] } },
    { id: 'bad', effect, when },
  ],
});
const schedule = (overrides: Record<string, unknown>) => ({
  days: ['mon'],
  from: '09:00',
  to: '17:00',
  timeZone: 'Europe/Berlin',
  ...overrides,
});

describe('compilePolicy refuses', () => {
  it.each<[string, unknown, string]>([
    // The policy itself.
    ['a policy that is no object', 'allow all', 'policy: must be an object, got "allow all"'],
    ['a null policy', null, 'policy: must be an object, got null'],
    [
      'an unknown policy field',
      { rules: [], publc: true },
      'publc: is not a known field (expected one of public, rules)',
    ],
    ['public that is no boolean', { public: 'yes', rules: [] }, 'public: must be true or false, got "yes"'],
    ['missing rules', {}, 'rules: must be an array, got undefined'],
    ['rules that are no array', { rules: {} }, 'rules: must be an array, got an object'],
    // Rules.
    ['a rule that is no object', { rules: [42] }, 'rules[0]: must be an object, got 42'],
    [
      'an unknown rule field',
      { rules: [{ id: 'a', effect: 'allow', when: {}, priority: 1 }] },
      'rules[0].priority: is not a known field (expected one of id, effect, description, when)',
    ],
    [
      'a missing id',
      { rules: [{ effect: 'allow', when: {} }] },
      'rules[0].id: must be a non-empty string, got undefined',
    ],
    [
      'an empty id',
      { rules: [{ id: '', effect: 'allow', when: {} }] },
      'rules[0].id: must be a non-empty string, got ""',
    ],
    [
      'an id with a control character',
      { rules: [{ id: 'a\nb', effect: 'allow', when: {} }] },
      'rules[0].id: must not contain control characters, got "a\\nb"',
    ],
    [
      'a duplicate id',
      {
        rules: [
          { id: 'a', effect: 'allow', when: {} },
          { id: 'a', effect: 'deny', when: {} },
        ],
      },
      'rules[1].id: "a" is used by an earlier rule; rule ids must be unique',
    ],
    [
      'an unknown effect',
      { rules: [{ id: 'a', effect: 'permit', when: {} }] },
      'rules[0].effect: must be one of allow, deny, bypass, got "permit"',
    ],
    [
      'a description that is no string',
      { rules: [{ id: 'a', effect: 'allow', when: {}, description: 1 }] },
      'rules[0].description: must be a string, got 1',
    ],
    [
      'a missing when',
      { rules: [{ id: 'a', effect: 'allow' }] },
      'rules[0].when: is required (use {} to match every request)',
    ],
    ['a when that is no object', withWhen([]), 'rules[1].when: must be an object, got an array of 0'],
    [
      'an unknown criterion',
      withWhen({ emial: ['a@b.c'] }),
      'rules[1].when.emial: is not a known field (expected one of users, roles, emails, authMethods, requireSecondFactor, device, sourceCidrs, methods, paths, schedule)',
    ],
    // Bypass rules.
    [
      'a bypass without paths',
      withWhen({ methods: ['GET'] }, 'bypass'),
      'rules[1].when.paths: is required in a bypass rule (a bypass for every path would make the resource public)',
    ],
    [
      'a bypass testing roles',
      withWhen({ paths: ['/health'], roles: ['admin'] }, 'bypass'),
      'rules[1].when.roles: cannot be used in a bypass rule, which skips authentication',
    ],
    [
      'a bypass testing a second factor',
      withWhen({ paths: ['/h'], requireSecondFactor: false }, 'bypass'),
      'rules[1].when.requireSecondFactor: cannot be used in a bypass rule, which skips authentication',
    ],
    // List criteria.
    ['users that are no array', withWhen({ users: 'u1' }), 'rules[1].when.users: must be an array, got "u1"'],
    [
      'empty users',
      withWhen({ users: [] }),
      'rules[1].when.users: must not be empty (omit the field to match anything)',
    ],
    [
      'a user id that is no string',
      withWhen({ users: ['u1', 7] }),
      'rules[1].when.users[1]: must be a non-empty string, got 7',
    ],
    ['an empty role', withWhen({ roles: [''] }), 'rules[1].when.roles[0]: must be a non-empty string, got ""'],
    [
      'a method that is no token',
      withWhen({ methods: ['GET', 'GE T'] }),
      'rules[1].when.methods[1]: must be an HTTP method token, got "GE T"',
    ],
    [
      'an unknown auth method',
      withWhen({ authMethods: ['sso', 'kerberos'] }),
      'rules[1].when.authMethods[1]: must be one of password, sso, api_key, mtls, got "kerberos"',
    ],
    [
      'requireSecondFactor that is no boolean',
      withWhen({ requireSecondFactor: 'true' }),
      'rules[1].when.requireSecondFactor: must be true or false, got "true"',
    ],
    [
      'a path that is not canonical',
      withWhen({ paths: ['/ok', '/a/../b'] }),
      'rules[1].when.paths[1]: "/a/../b" must not contain "." or ".." segments',
    ],
    // Emails.
    [
      'an email with two "@"',
      withWhen({ emails: ['ok@example.com', 'a@b@c'] }),
      'rules[1].when.emails[1]: "a@b@c" must contain exactly one "@"',
    ],
    [
      'an email without "@"',
      withWhen({ emails: ['alice'] }),
      'rules[1].when.emails[0]: "alice" must contain exactly one "@"',
    ],
    [
      'a lone "@"',
      withWhen({ emails: ['@'] }),
      'rules[1].when.emails[0]: "@" has an empty domain label (a leading, trailing or doubled dot)',
    ],
    [
      '"@@domain"',
      withWhen({ emails: ['@@example.com'] }),
      'rules[1].when.emails[0]: "@@example.com" must contain exactly one "@"',
    ],
    [
      'an empty domain',
      withWhen({ emails: ['alice@'] }),
      'rules[1].when.emails[0]: "alice@" has an empty domain label (a leading, trailing or doubled dot)',
    ],
    [
      'a trailing dot',
      withWhen({ emails: ['alice@example.com.'] }),
      'rules[1].when.emails[0]: "alice@example.com." has an empty domain label (a leading, trailing or doubled dot)',
    ],
    [
      'a domain with a trailing dot',
      withWhen({ emails: ['@example.com.'] }),
      'rules[1].when.emails[0]: "@example.com." has an empty domain label (a leading, trailing or doubled dot)',
    ],
    [
      'a doubled dot',
      withWhen({ emails: ['@example..com'] }),
      'rules[1].when.emails[0]: "@example..com" has an empty domain label (a leading, trailing or doubled dot)',
    ],
    [
      'a leading dot',
      withWhen({ emails: ['@.example.com'] }),
      'rules[1].when.emails[0]: "@.example.com" has an empty domain label (a leading, trailing or doubled dot)',
    ],
    [
      'a space',
      withWhen({ emails: [' alice@example.com'] }),
      'rules[1].when.emails[0]: " alice@example.com" must not contain whitespace, control or invisible characters',
    ],
    [
      'a zero-width space',
      withWhen({ emails: ['alice\u200b@example.com'] }),
      'rules[1].when.emails[0]: "alice\u200b@example.com" must not contain whitespace, control or invisible characters',
    ],
    [
      'a control character',
      withWhen({ emails: ['alice@example.com\r\n'] }),
      'rules[1].when.emails[0]: "alice@example.com\\r\\n" must not contain whitespace, control or invisible characters',
    ],
    [
      'a Unicode domain',
      withWhen({ emails: ['@exämple.com'] }),
      'rules[1].when.emails[0]: "@exämple.com" has a domain with characters other than letters, digits, "-" and "."',
    ],
    [
      'a fullwidth dot',
      withWhen({ emails: ['@example．com'] }),
      'rules[1].when.emails[0]: "@example．com" has a domain with characters other than letters, digits, "-" and "."',
    ],
    [
      'a hyphen at a label edge',
      withWhen({ emails: ['@-example.com'] }),
      'rules[1].when.emails[0]: "@-example.com" has a domain label that starts or ends with "-"',
    ],
    [
      'an address literal',
      withWhen({ emails: ['a@[10.0.0.1]'] }),
      'rules[1].when.emails[0]: "a@[10.0.0.1]" has a domain with characters other than letters, digits, "-" and "."',
    ],
    [
      'a long local part',
      withWhen({ emails: [`${'a'.repeat(65)}@example.com`] }),
      `rules[1].when.emails[0]: "${'a'.repeat(60)}…" has a local part longer than 64 characters`,
    ],
    ['an email that is no string', withWhen({ emails: [null] }), 'rules[1].when.emails[0]: must be a string, got null'],
    // CIDRs.
    [
      'a CIDR that is no address',
      withWhen({ sourceCidrs: ['10.0.0.0/8', 'office'] }),
      'rules[1].when.sourceCidrs[1]: "office" is not an IP address or CIDR',
    ],
    [
      'an IPv4 octet over 255',
      withWhen({ sourceCidrs: ['10.0.0.256/32'] }),
      'rules[1].when.sourceCidrs[0]: "10.0.0.256/32" is not an IP address or CIDR',
    ],
    [
      'a prefix over 32',
      withWhen({ sourceCidrs: ['10.0.0.0/33'] }),
      'rules[1].when.sourceCidrs[0]: "10.0.0.0/33" has an invalid prefix length (expected 0 to 32)',
    ],
    [
      'a prefix over 128',
      withWhen({ sourceCidrs: ['2001:db8::/129'] }),
      'rules[1].when.sourceCidrs[0]: "2001:db8::/129" has an invalid prefix length (expected 0 to 128)',
    ],
    [
      'an empty prefix',
      withWhen({ sourceCidrs: ['10.0.0.0/'] }),
      'rules[1].when.sourceCidrs[0]: "10.0.0.0/" has an invalid prefix length (expected 0 to 32)',
    ],
    [
      'a prefix with a leading zero',
      withWhen({ sourceCidrs: ['10.0.0.0/08'] }),
      'rules[1].when.sourceCidrs[0]: "10.0.0.0/08" has an invalid prefix length (expected 0 to 32)',
    ],
    [
      'host bits',
      withWhen({ sourceCidrs: ['10.0.0.1/8'] }),
      'rules[1].when.sourceCidrs[0]: "10.0.0.1/8" has host bits set; the network is 10.0.0.0/8',
    ],
    [
      'IPv6 host bits',
      withWhen({ sourceCidrs: ['2001:db8::1/64'] }),
      'rules[1].when.sourceCidrs[0]: "2001:db8::1/64" has host bits set; the network is 2001:db8:0:0:0:0:0:0/64',
    ],
    [
      'a zone',
      withWhen({ sourceCidrs: ['fe80::%eth0/64'] }),
      'rules[1].when.sourceCidrs[0]: "fe80::%eth0/64" is not an IP address or CIDR',
    ],
    [
      'a short IPv4-mapped prefix',
      withWhen({ sourceCidrs: ['::ffff:0.0.0.0/80'] }),
      'rules[1].when.sourceCidrs[0]: "::ffff:0.0.0.0/80" mixes IPv4-mapped and other IPv6 addresses; use a prefix of 96 or more',
    ],
    // Schedules.
    [
      'a schedule that is no object',
      withWhen({ schedule: 'weekdays' }),
      'rules[1].when.schedule: must be an object, got "weekdays"',
    ],
    [
      'an unknown schedule field',
      withWhen({ schedule: schedule({ until: '17:00' }) }),
      'rules[1].when.schedule.until: is not a known field (expected one of days, from, to, timeZone)',
    ],
    [
      'no days',
      withWhen({ schedule: schedule({ days: [] }) }),
      'rules[1].when.schedule.days: must not be empty (omit the field to match anything)',
    ],
    [
      'an unknown day',
      withWhen({ schedule: schedule({ days: ['mon', 'monday'] }) }),
      'rules[1].when.schedule.days[1]: must be one of mon, tue, wed, thu, fri, sat, sun, got "monday"',
    ],
    [
      'a day in uppercase',
      withWhen({ schedule: schedule({ days: ['Mon'] }) }),
      'rules[1].when.schedule.days[0]: must be one of mon, tue, wed, thu, fri, sat, sun, got "Mon"',
    ],
    [
      'a time without a leading zero',
      withWhen({ schedule: schedule({ from: '9:00' }) }),
      'rules[1].when.schedule.from: must be a time "HH:MM" from 00:00 to 23:59, got "9:00"',
    ],
    [
      'an hour of 24 in from',
      withWhen({ schedule: schedule({ from: '24:00' }) }),
      'rules[1].when.schedule.from: must be a time "HH:MM" from 00:00 to 23:59, got "24:00"',
    ],
    [
      'a minute of 60',
      withWhen({ schedule: schedule({ to: '17:60' }) }),
      'rules[1].when.schedule.to: must be a time "HH:MM" from 00:00 to 24:00, got "17:60"',
    ],
    [
      'seconds',
      withWhen({ schedule: schedule({ to: '17:00:00' }) }),
      'rules[1].when.schedule.to: must be a time "HH:MM" from 00:00 to 24:00, got "17:00:00"',
    ],
    [
      'a numeric time',
      withWhen({ schedule: schedule({ to: 1700 }) }),
      'rules[1].when.schedule.to: must be a time "HH:MM" from 00:00 to 24:00, got 1700',
    ],
    [
      'an empty window',
      withWhen({ schedule: schedule({ from: '09:00', to: '09:00' }) }),
      'rules[1].when.schedule.to: equals from; for a whole day write from "00:00" to "24:00"',
    ],
    [
      'an unknown time zone',
      withWhen({ schedule: schedule({ timeZone: 'Mars/Olympus_Mons' }) }),
      'rules[1].when.schedule.timeZone: "Mars/Olympus_Mons" is not a known IANA time zone',
    ],
    [
      'a time zone that is no string',
      withWhen({ schedule: schedule({ timeZone: 1 }) }),
      'rules[1].when.schedule.timeZone: must be an IANA time zone name, got 1',
    ],
    // Devices.
    ['a device that is no object', withWhen({ device: true }), 'rules[1].when.device: must be an object, got true'],
    [
      'an unknown device field',
      withWhen({ device: { serial: '1' } }),
      'rules[1].when.device.serial: is not a known field (expected one of caFingerprints, sans, fingerprints)',
    ],
    [
      'a short fingerprint',
      withWhen({ device: { fingerprints: ['abcd'] } }),
      'rules[1].when.device.fingerprints[0]: must be a SHA-256 fingerprint (64 hex digits, or colon-separated pairs), got "abcd"',
    ],
    [
      'a SHA-1 fingerprint',
      withWhen({ device: { caFingerprints: ['a'.repeat(40)] } }),
      `rules[1].when.device.caFingerprints[0]: must be a SHA-256 fingerprint (64 hex digits, or colon-separated pairs), got "${'a'.repeat(40)}"`,
    ],
    [
      'a fingerprint with stray colons',
      withWhen({ device: { fingerprints: [`${'a'.repeat(62)}::`] } }),
      `rules[1].when.device.fingerprints[0]: must be a SHA-256 fingerprint (64 hex digits, or colon-separated pairs), got "${'a'.repeat(60)}…"`,
    ],
    [
      'no CA fingerprints',
      withWhen({ device: { caFingerprints: [] } }),
      'rules[1].when.device.caFingerprints: must not be empty (omit the field to match anything)',
    ],
    [
      'a SAN without type',
      withWhen({ device: { sans: ['laptop.corp.example'] } }),
      'rules[1].when.device.sans[0]: must be "<type>:<value>" with a type of DNS: URI: email: IP Address: as Node prints SANs, got "laptop.corp.example"',
    ],
    [
      'a SAN with only a type',
      withWhen({ device: { sans: ['DNS:'] } }),
      'rules[1].when.device.sans[0]: must be "<type>:<value>" with a type of DNS: URI: email: IP Address: as Node prints SANs, got "DNS:"',
    ],
    [
      'a SAN that is no string',
      withWhen({ device: { sans: [1] } }),
      'rules[1].when.device.sans[0]: must be a string, got 1',
    ],
  ])('%s', (_name, policy, message) => {
    let caught: unknown;
    try {
      compilePolicy(policy as Policy);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ name: 'PolicyError', code: 'ERR_POLICY_INVALID', message });
    expect((caught as { field: string }).field).toBe(message.slice(0, message.indexOf(':')));
  });

  it('accepts what the messages suggest', () => {
    const fixed = [
      { emails: ['alice@example.com', '@example.com', 'ALICE@xn--exmple-cua.com'] },
      { sourceCidrs: ['10.0.0.0/8', '2001:db8::/64', '::ffff:10.0.0.0/104', '192.0.2.1', '::/0'] },
      { schedule: schedule({ from: '00:00', to: '24:00' }) },
      { schedule: schedule({ timeZone: 'UTC' }) },
      {
        device: {
          fingerprints: [Array(32).fill('Ab').join(':'), 'F'.repeat(64)],
          sans: ['DNS:x', 'IP Address:10.0.0.1'],
        },
      },
      { methods: ['PROPFIND', 'get'] },
    ];
    for (const when of fixed) expect(() => compilePolicy(withWhen(when) as Policy)).not.toThrow();
  });
});
