import { errors } from '@rustronaut/errors';

/** The registry entries of the error codes this package raises (callers match on `err.code`). */
export const wireguardErrors = {
  keyInvalid: errors.wgKeyInvalid,
  keyFile: errors.wgKeyFile,
  configInvalid: errors.wgConfigInvalid,
  uapi: errors.wgUapi,
  uapiProtocol: errors.wgUapiProtocol,
  uapiTimeout: errors.wgUapiTimeout,
  uapiUnavailable: errors.wgUapiUnavailable,
  poolExhausted: errors.wgPoolExhausted,
  qrTooLarge: errors.wgQrTooLarge,
  backendUnavailable: errors.wgBackendUnavailable,
  commandFailed: errors.wgCommandFailed,
} as const;
