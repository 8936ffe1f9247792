import { describe, expect, it } from 'vitest';
import { planForwarding, type IpRule } from './forwarding.js';

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
