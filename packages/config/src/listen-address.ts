import { z } from 'zod';

/** A parsed `host:port` listen address. An empty host means every interface. */
export interface ListenAddress {
  /** Host or IP to bind; `''` binds every interface. */
  readonly host: string;
  /** TCP port, 0 to 65535 (0 asks the OS for a free one). */
  readonly port: number;
}

const LISTEN_PATTERN = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/;

/** Parses `host:port`, `:port` or `[v6]:port`; returns undefined when the text is not one. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const m = LISTEN_PATTERN.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

/** Formats a listen address the way users write it (`[::1]:80`, `:8000`). */
export function formatListenAddress(address: ListenAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${String(address.port)}`;
}

/** Zod schema for a listen address given as a string. */
export const listenAddressSchema = z.string().transform((text, ctx) => {
  const parsed = parseListenAddress(text);
  if (parsed) return parsed;
  ctx.addIssue({ code: 'custom', message: 'expected host:port' });
  return z.NEVER;
});
