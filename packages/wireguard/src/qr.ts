import QRCode, { type QRCodeErrorCorrectionLevel } from 'qrcode';
import { wireguardErrors } from './errors.js';

// Byte-mode capacities (ISO/IEC 18004:2015 Table 7): 997 bytes at level M fit in a version 25 symbol (117 modules,
// still read easily by a phone camera from a screen); version 40 at level L, the largest symbol, holds 2953.
const MEDIUM_MAX_BYTES = 997;
const LARGEST_MAX_BYTES = 2953;

/** Image formats of {@link renderConfigQr}. */
export type QrFormat = 'svg' | 'png';

/**
 * A QR code of a wg-quick config, as the WireGuard mobile apps scan it ("Create from QR code"): SVG text or PNG bytes.
 * The config is encoded as bytes (like `qrencode < wg0.conf`); the error correction level is M (15% of the symbol
 * may be damaged), or L (7%) for a config over 997 bytes so that it still fits. Throws ERR_WG_QR_TOO_LARGE (422) for
 * a config over 2953 bytes, the most a QR code holds: usually too many AllowedIPs.
 */
export function renderConfigQr(config: string, format: 'svg'): Promise<string>;
export function renderConfigQr(config: string, format: 'png'): Promise<Buffer>;
export function renderConfigQr(config: string, format: QrFormat): Promise<string | Buffer>;
export async function renderConfigQr(config: string, format: QrFormat): Promise<string | Buffer> {
  if (typeof config !== 'string' || config === '') {
    throw wireguardErrors.configInvalid.create('the config for the QR code is empty');
  }
  if (format !== 'svg' && format !== 'png') {
    throw wireguardErrors.configInvalid.create(`QR code format must be "svg" or "png", not "${String(format)}"`);
  }
  const bytes = Buffer.from(config, 'utf8');
  if (bytes.length > LARGEST_MAX_BYTES) {
    throw wireguardErrors.qrTooLarge.create(
      `the config is ${bytes.length} bytes, more than the ${LARGEST_MAX_BYTES} a QR code holds; download the file instead`,
      { details: { bytes: bytes.length, maxBytes: LARGEST_MAX_BYTES } },
    );
  }
  const errorCorrectionLevel: QRCodeErrorCorrectionLevel = bytes.length <= MEDIUM_MAX_BYTES ? 'M' : 'L';
  const segments = [{ data: bytes, mode: 'byte' as const }];
  return format === 'svg'
    ? QRCode.toString(segments, { type: 'svg', errorCorrectionLevel })
    : QRCode.toBuffer(segments, { type: 'png', errorCorrectionLevel });
}
