/** Seal context of a certificate's private key: the ciphertext opens only for the row it was written to. */
export const certificateKeyContext = (certificateId: string): string => `certificate:${certificateId}`;
