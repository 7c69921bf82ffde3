import { isIP } from 'node:net';

// Listen addresses as the configuration and the command line give them (`teller.listen`,
// `ca serve --listen`, `--ra-listen`), and bound addresses as URLs. The teller API listens on
// loopback unless configured otherwise (DESIGN §8): off loopback it carries passwords, tokens and
// ID photos across a network, so it is served over TLS only.

export interface ListenAddress {
  /** As bound: an IPv6 address without brackets. */
  readonly host: string;
  readonly port: number;
}

/** `host:port` (`[::1]:8830` for IPv6), or undefined if it is not one. */
export function parseListen(text: string): ListenAddress | undefined {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  if (match === null) return undefined;
  const port = Number(match[2]);
  const host = (match[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  if (port > 65535 || host === '' || /\s/.test(host)) return undefined;
  return { host, port };
}

/**
 * Whether binding `host` keeps the API on this machine: an address in 127.0.0.0/8, ::1, or
 * `localhost`. `0.0.0.0` and `::` (every interface) are not; nor is any other name, since it may
 * resolve to anything.
 */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  // ::ffff:127.x.x.x, IPv4-mapped loopback.
  return isIP(host) === 6 && /^::ffff:127\.\d+\.\d+\.\d+$/i.test(host);
}

/** A bound address as the host of a URL (IPv6 in brackets, RFC 3986 §3.2.2). */
export function urlHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** `http://host:port` or `https://…` for what was bound. */
export function apiUrl(tls: boolean, host: string, port: number): string {
  return `${tls ? 'https' : 'http'}://${urlHost(host)}:${String(port)}`;
}
