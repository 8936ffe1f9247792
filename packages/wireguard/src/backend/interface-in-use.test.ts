import { mkdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestNamespace, describeWithTools, missingWireguardGo, type TestNamespace } from '../../test/netns.js';
import { assertInterfaceFree } from './interface-in-use.js';

const SETTING = 'tunnel.interface (RUSTRONAUT_TUNNEL_INTERFACE)';

describeWithTools('assertInterfaceFree against a real wireguard-go', missingWireguardGo(), () => {
  let namespace: TestNamespace;
  beforeAll(() => {
    namespace = createTestNamespace();
  });
  afterAll(() => namespace.close());

  it('refuses the name of a running device whose parent lives, naming its pid and the setting', async () => {
    const device = await namespace.startDevice(`riu${namespace.suffix}`);
    const err: unknown = await assertInterfaceFree(device.iface, SETTING).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ERR_WG_COMMAND_FAILED' });
    expect((err as Error).message).toMatch(
      new RegExp(`^the WireGuard interface ${device.iface} is in use by another process \\(wireguard-go, pid \\d+\\)`),
    );
    expect((err as Error).message).toContain(`set ${SETTING} to another name`);
  });

  it('lets a name through when nothing answers: no socket, or the socket file of a dead device', async () => {
    const name = `rif${randomBytes(4).toString('hex')}`;
    await expect(assertInterfaceFree(name, SETTING)).resolves.toBeUndefined();
    const stale = `/var/run/wireguard/${name}.sock`;
    await mkdir('/var/run/wireguard', { recursive: true });
    await writeFile(stale, '');
    try {
      await expect(assertInterfaceFree(name, SETTING)).resolves.toBeUndefined();
    } finally {
      await rm(stale, { force: true });
    }
  });
});
