// RFC 2136 updates signed with TSIG, against a real BIND (Debian's `named`) that checks the signatures.
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBind, startBind, type Bind } from '../../../test/bind.js';
import { rfc2136Client } from './rfc2136.js';

describe.skipIf(!requireBind())('RFC 2136 dynamic updates with TSIG (HMAC-SHA256) against BIND', () => {
  let bind: Bind;
  beforeAll(async () => {
    bind = await startBind(['update.test']);
  }, 30_000);
  afterAll(async () => {
    await bind?.close();
  });

  const client = (overrides: { secret?: Buffer; keyName?: string; zone?: string; now?: () => Date } = {}) =>
    rfc2136Client({
      host: '127.0.0.1',
      port: bind.port,
      zone: overrides.zone ?? 'update.test',
      key: {
        name: overrides.keyName ?? bind.keyName,
        algorithm: 'hmac-sha256',
        secret: overrides.secret ?? Buffer.from(bind.secret, 'base64'),
      },
      ...(overrides.now ? { now: overrides.now } : {}),
    });

  it('adds a TXT record, keeps the others of the name, and removes exactly the one asked', async () => {
    const name = '_acme-challenge.app.update.test';
    await client().addTxt(name, 'first', 60);
    await client().addTxt(name, 'second', 60);
    expect((await bind.txt(name)).sort()).toEqual(['first', 'second']);
    await client().deleteTxt(name, 'first');
    expect(await bind.txt(name)).toEqual(['second']);
    await client().deleteTxt(name, 'second');
    expect(await bind.txt(name)).toEqual([]);
    // Removing a record that is gone succeeds: clean-up may run twice.
    await client().deleteTxt(name, 'second');
  });

  it('fails with the reason when the server does not accept the signature, and changes nothing', async () => {
    const name = '_acme-challenge.refused.update.test';
    await expect(client({ secret: randomBytes(32) }).addTxt(name, 'x', 60)).rejects.toThrow(
      /answered NOTAUTH: the DNS server refused the TSIG signature: BADSIG/,
    );
    await expect(client({ keyName: 'unknown-key.' }).addTxt(name, 'x', 60)).rejects.toThrow(/BADKEY/);
    await expect(client({ now: () => new Date(Date.now() - 3600_000) }).addTxt(name, 'x', 60)).rejects.toThrow(
      /BADTIME/,
    );
    expect(await bind.txt(name)).toEqual([]);
  });

  it('says so for a zone the server does not serve, and for a name outside the zone', async () => {
    await expect(client({ zone: 'other.test' }).addTxt('_acme-challenge.other.test', 'x', 60)).rejects.toThrow(
      /answered NOTAUTH|answered REFUSED/,
    );
    await expect(client().addTxt('_acme-challenge.example.com', 'x', 60)).rejects.toThrow(
      /not in the zone update\.test/,
    );
  });

  it('rejects an answer whose signature does not verify (changed on the way)', async () => {
    // A TCP relay to BIND that flips the last byte of the answer's MAC (before original id, error, other length).
    const relay = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: bind.port });
      client.pipe(upstream);
      let answer = Buffer.alloc(0);
      upstream.on('data', (chunk: Buffer) => {
        answer = Buffer.concat([answer, chunk]);
        if (answer.length < 2 || answer.length < 2 + answer.readUInt16BE(0)) return;
        answer[answer.length - 7] = (answer[answer.length - 7] ?? 0) ^ 1;
        client.end(answer);
        upstream.destroy();
      });
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const relayed = rfc2136Client({
        host: '127.0.0.1',
        port: (relay.address() as AddressInfo).port,
        zone: 'update.test',
        key: { name: bind.keyName, algorithm: 'hmac-sha256', secret: Buffer.from(bind.secret, 'base64') },
      });
      await expect(relayed.addTxt('_acme-challenge.relayed.update.test', 'x', 60)).rejects.toThrow(
        'the TSIG signature of the DNS answer does not verify',
      );
    } finally {
      relay.close();
      await client().deleteTxt('_acme-challenge.relayed.update.test', 'x');
    }
  });

  it('says so when nothing listens', async () => {
    const dead = rfc2136Client({
      host: '127.0.0.1',
      port: 1,
      zone: 'update.test',
      key: { name: bind.keyName, algorithm: 'hmac-sha256', secret: Buffer.alloc(32) },
    });
    await expect(dead.addTxt('_acme-challenge.update.test', 'x', 60)).rejects.toThrow(/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
