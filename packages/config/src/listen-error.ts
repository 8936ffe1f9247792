import { errors, type AppError } from '@rustronaut/errors';
import { formatListenAddress, type ListenAddress } from './listen-address.js';
import { listConfigFields } from './schema.js';

/**
 * Turns a failed `listen()` into an error that names the address and the setting that changes it,
 * e.g. `cannot listen on 127.0.0.1:8080: address already in use; change admin.listen
 * (RUSTRONAUT_ADMIN_LISTEN)`. Errors other than bind failures are returned unchanged.
 */
export function explainListenError(err: Error, fieldPath: string, address: ListenAddress): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const env = listConfigFields().find((f) => f.path === fieldPath)?.field.env;
  const setting = env ? `${fieldPath} (${env})` : fieldPath;
  const where = formatListenAddress(address);
  const make = (def: typeof errors.startupPortInUse | typeof errors.startupListenFailed, reason: string): AppError =>
    def.create(`cannot listen on ${where}: ${reason}; change ${setting}`, { cause: err });
  switch (code) {
    case 'EADDRINUSE':
      return make(errors.startupPortInUse, `port ${String(address.port)} is already in use`);
    case 'EACCES':
      return make(errors.startupListenFailed, `permission denied for port ${String(address.port)}`);
    case 'EADDRNOTAVAIL':
      return make(errors.startupListenFailed, `address ${address.host} is not available on this host`);
    default:
      return err;
  }
}
