import { describe, expect, it } from 'vitest';
import { generateKeyPair } from './keys.js';
import { renderConfigQr } from './qr.js';
import { renderWgQuickConfig } from './wg-quick.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]); // RFC 2083 §3.1

const config = renderWgQuickConfig({
  privateKey: generateKeyPair().privateKey,
  address: '100.96.0.7/32',
  dns: ['100.96.0.1'],
  peer: {
    publicKey: generateKeyPair().publicKey,
    endpoint: { host: 'hub.example.com', port: 51820 },
    allowedIps: ['100.96.0.0/16', '10.0.0.0/24'],
    persistentKeepalive: 25,
  },
});

// The side of the symbol in modules, from the SVG's viewBox (4 modules of quiet zone on each side).
function modules(svg: string): number {
  const match = /viewBox="0 0 (\d+) \1"/.exec(svg);
  if (match === null) throw new Error('no square viewBox in the SVG');
  return Number(match[1]) - 8;
}

describe('renderConfigQr', () => {
  it('renders a wg-quick config as an SVG document', async () => {
    const svg = await renderConfigQr(config, 'svg');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trimEnd()).toMatch(/<\/svg>$/);
    // A ~300-byte config takes a version 15 symbol at most (77 modules), easy to scan from a screen.
    expect(modules(svg)).toBeLessThanOrEqual(77);
  });

  it('uses level M up to 997 bytes: a version 25 symbol, where level L would need only version 22', async () => {
    expect(modules(await renderConfigQr('x'.repeat(997), 'svg'))).toBe(117);
    expect(modules(await renderConfigQr('x'.repeat(998), 'svg'))).toBe(105);
  });

  it('renders it as PNG bytes', async () => {
    const png = await renderConfigQr(config, 'png');
    expect(Buffer.isBuffer(png)).toBe(true);
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  });

  it('switches to level L for a large config so that it still fits, up to the largest symbol', async () => {
    expect(modules(await renderConfigQr('x'.repeat(2953), 'svg'))).toBe(177); // version 40, level L
  });

  it('refuses a config too large for any QR code', async () => {
    await expect(renderConfigQr('x'.repeat(2954), 'png')).rejects.toMatchObject({
      code: 'ERR_WG_QR_TOO_LARGE',
      status: 422,
      details: { bytes: 2954, maxBytes: 2953 },
      message: expect.stringContaining('download the file instead'),
    });
  });

  it('refuses an empty config and an unknown format', async () => {
    await expect(renderConfigQr('', 'svg')).rejects.toMatchObject({ code: 'ERR_WG_CONFIG_INVALID' });
    await expect(renderConfigQr(config, 'gif' as 'svg')).rejects.toMatchObject({ code: 'ERR_WG_CONFIG_INVALID' });
  });
});
