import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPeerForwarding, planForwarding, type IpRule } from './forwarding.js';

// The plan against `ip -j rule show` output as iproute2 6.1 prints it (recorded in a throwaway namespace); the
// rules themselves, applied by a real hub, are in tests/e2e/tunnel.test.ts.

const refuse: IpRule = { priority: 1001, src: 'all', iif: 'wg0', action: 'prohibit' };
const to = (src: string, dst: string, dport: number): IpRule => ({
  priority: 1000,
  src,
  dst,
  iif: 'wg0',
  ipproto: 'tcp',
  dport,
  table: 'main',
});
const back = (src: string, dst: string, sport: number): IpRule => ({ ...to(src, dst, 0), dport: undefined, sport });
const add = (...selector: string[]) => ['rule', 'add', 'priority', '1000', 'iif', 'wg0', ...selector, 'lookup', 'main'];
const del = (...selector: string[]) => ['rule', 'del', 'priority', '1000', 'iif', 'wg0', ...selector, 'lookup', 'main'];

describe('planForwarding', () => {
  it('adds the refusal before the grants on a bare interface: the port one way, the replies the other', () => {
    const plan = planForwarding('wg0', [], [{ client: '100.96.0.5', server: '100.96.0.2', port: 8080 }]);
    expect(plan.add).toEqual([
      ['rule', 'add', 'priority', '1001', 'iif', 'wg0', 'prohibit'],
      add('from', '100.96.0.5/32', 'to', '100.96.0.2/32', 'ipproto', 'tcp', 'dport', '8080'),
      add('from', '100.96.0.2/32', 'to', '100.96.0.5/32', 'ipproto', 'tcp', 'sport', '8080'),
    ]);
    expect(plan.remove).toEqual([]);
  });

  it('keeps what is granted already, adds what is new, removes what is no longer granted; once each', () => {
    const current = [refuse, to('100.96.0.5', '100.96.0.2', 80), back('100.96.0.2', '100.96.0.5', 80)];
    const grants = [
      { client: '100.96.0.5', server: '100.96.0.2', port: 80 },
      { client: '100.96.0.6', server: '100.96.0.2', port: 443 },
      { client: '100.96.0.6', server: '100.96.0.2', port: 443 },
    ];
    expect(planForwarding('wg0', current, grants)).toEqual({
      add: [
        add('from', '100.96.0.6/32', 'to', '100.96.0.2/32', 'ipproto', 'tcp', 'dport', '443'),
        add('from', '100.96.0.2/32', 'to', '100.96.0.6/32', 'ipproto', 'tcp', 'sport', '443'),
      ],
      remove: [],
    });
    expect(planForwarding('wg0', current, [])).toEqual({
      add: [],
      remove: [
        del('from', '100.96.0.5/32', 'to', '100.96.0.2/32', 'ipproto', 'tcp', 'dport', '80'),
        del('from', '100.96.0.2/32', 'to', '100.96.0.5/32', 'ipproto', 'tcp', 'sport', '80'),
      ],
    });
  });

  it("removes strays at its priorities (prefixes, other tables), and leaves other interfaces' and priorities' rules", () => {
    const current: IpRule[] = [
      { priority: 0, src: 'all', table: 'local' },
      refuse,
      { priority: 1000, src: '100.96.0.0', srclen: 24, dst: '100.96.0.2', iif: 'wg0', table: '7' },
      { ...refuse, iif: 'wg1' },
      { priority: 900, src: 'all', iif: 'wg0', table: 'main' },
      { priority: 32766, src: 'all', table: 'main' },
    ];
    expect(planForwarding('wg0', current, [])).toEqual({
      add: [],
      remove: [
        [
          'rule',
          'del',
          'priority',
          '1000',
          'iif',
          'wg0',
          'from',
          '100.96.0.0/24',
          'to',
          '100.96.0.2/32',
          'lookup',
          '7',
        ],
      ],
    });
  });
});

// createPeerForwarding against a stand-in `ip` first on PATH, which logs its arguments and prints a rule list: the
// order of the commands, and the errors. The real `ip` (and the forwarding switch) are in tests/e2e/tunnel.test.ts.
describe('createPeerForwarding', () => {
  let dir: string;
  let path: string | undefined;
  const log = () => readFileSync(join(dir, 'log'), 'utf8').trim().split('\n');
  const rules = (text: string) => writeFileSync(join(dir, 'rules'), text);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rfwd-'));
    const ip = join(dir, 'ip');
    writeFileSync(ip, `#!/bin/sh\necho "$*" >> '${dir}/log'\n[ "$1" = -j ] && cat '${dir}/rules'\nexit 0\n`);
    chmodSync(ip, 0o755);
    rules('[]');
    path = process.env['PATH'];
    process.env['PATH'] = `${dir}${delimiter}${path ?? ''}`;
  });
  afterEach(() => {
    process.env['PATH'] = path;
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds the refusal, then the grants; with a grant it turns the interface’s forwarding on, naming what failed', async () => {
    const forwarding = createPeerForwarding('rfwd-none0');
    const plan = await forwarding.apply([]);
    expect(plan.add).toEqual([['rule', 'add', 'priority', '1001', 'iif', 'rfwd-none0', 'prohibit']]);
    await expect(forwarding.apply([{ client: '100.96.0.5', server: '100.96.0.2', port: 80 }])).rejects.toMatchObject({
      code: 'ERR_WG_COMMAND_FAILED',
      message: expect.stringContaining('cannot turn on forwarding for rfwd-none0'),
    });
    expect(log()).toEqual([
      '-j rule show iif rfwd-none0',
      'rule add priority 1001 iif rfwd-none0 prohibit',
      '-j rule show iif rfwd-none0',
      'rule add priority 1001 iif rfwd-none0 prohibit',
      'rule add priority 1000 iif rfwd-none0 from 100.96.0.5/32 to 100.96.0.2/32 ipproto tcp dport 80 lookup main',
      'rule add priority 1000 iif rfwd-none0 from 100.96.0.2/32 to 100.96.0.5/32 ipproto tcp sport 80 lookup main',
    ]);
  });

  it('clears its own rules, the refusal last', async () => {
    rules(
      JSON.stringify([
        { ...refuse, iif: 'wg9' },
        { ...to('100.96.0.5', '100.96.0.2', 80), iif: 'wg9' },
      ]),
    );
    await createPeerForwarding('wg9').clear();
    expect(log().slice(1)).toEqual([
      'rule del priority 1000 iif wg9 from 100.96.0.5/32 to 100.96.0.2/32 ipproto tcp dport 80 lookup main',
      'rule del priority 1001 iif wg9 prohibit',
    ]);
  });

  it('refuses to act on output it cannot read', async () => {
    for (const garbage of ['not json', '{"priority":1000}']) {
      rules(garbage);
      await expect(createPeerForwarding('wg9').apply([])).rejects.toThrow(
        /`ip -j rule show iif wg9` did not print a JSON list/,
      );
    }
  });
});
