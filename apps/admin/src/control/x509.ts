// @peculiar/x509 needs the reflect-metadata polyfill loaded first, and a WebCrypto provider.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(globalThis.crypto);

/** @peculiar/x509, ready to use with Node's WebCrypto. Import it from here, never directly. */
export { x509 };

/** The one key and signature algorithm of the control channel: ECDSA P-256 with SHA-256. */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
