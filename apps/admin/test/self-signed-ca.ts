/**
 * A self-signed Ed25519 CA certificate (PEM), made synchronously in DER by hand: the OpenAPI samples need a fresh,
 * valid CA per request (`certificatePem`), and node:crypto signs but cannot build X.509. Test use only; real
 * certificates in tests come from the openssl CLI (`@rustronaut/testkit` createTestCa).
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

const der = (tag: number, body: Buffer): Buffer => {
  const n = body.length;
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
};
const seq = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const oid = (...bytes: number[]) => der(0x06, Buffer.from(bytes));
const ED25519 = seq(oid(0x2b, 0x65, 0x70));
const TRUE = der(0x01, Buffer.from([0xff]));
/** UTCTime, `YYMMDDHHMMSSZ` (dates before 2050). */
const utcTime = (date: Date) => der(0x17, Buffer.from(date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'));
const name = (cn: string) => seq(der(0x31, seq(oid(0x55, 0x04, 0x03), der(0x0c, Buffer.from(cn)))));

/** A CA certificate named `CN=<commonName>`, valid from an hour ago for ten years. */
export function selfSignedCaPem(commonName: string): string {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const now = Date.now();
  const basicConstraints = seq(oid(0x55, 0x1d, 0x13), TRUE, der(0x04, seq(TRUE)));
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, Buffer.concat([Buffer.from([0x01]), randomBytes(8)])),
    ED25519,
    name(commonName),
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 10 * 365 * 86_400_000))),
    name(commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, seq(basicConstraints)),
  );
  const signature = sign(null, tbs, privateKey);
  const cert = seq(tbs, ED25519, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const lines = cert.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
