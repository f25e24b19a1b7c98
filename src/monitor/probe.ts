// Periodic checks of a vendor's endpoint: its TLS certificate (fingerprint, issuer, expiry) and its resolved addresses against declared ranges.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';

/** What one probe of an https endpoint saw. No payload, no value: the certificate's public facts. */
export interface EndpointFacts {
  /** SHA-256 fingerprint of the leaf certificate. */
  readonly fingerprint: string;
  /** The issuer's organization and common name. */
  readonly issuer: string;
  /** When the certificate expires, in ms since the epoch. */
  readonly validTo: number;
}

/** Connects to `host:port` with SNI and reads the leaf certificate; the connection is closed at once. Resolves `undefined` on failure. */
export function readCertificate(host: string, port: number, timeoutMs = 5000): Promise<EndpointFacts | undefined> {
  return new Promise((resolve) => {
    // Only observed, never trusted for data: verification is guardFetch's job on the real request.
    const socket = connect({ host, port, servername: isIP(host) === 0 ? host : undefined, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      socket.destroy();
      if (cert === null || typeof cert !== 'object' || typeof cert.fingerprint256 !== 'string') return resolve(undefined);
      const issuer = [cert.issuer?.O, cert.issuer?.CN].filter((x) => typeof x === 'string').join(' / ');
      resolve({ fingerprint: cert.fingerprint256, issuer, validTo: Date.parse(cert.valid_to) });
    });
    socket.on('error', () => resolve(undefined));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}

/** A matcher of addresses against CIDR ranges (`'203.0.113.0/24'`, `'2001:db8::/32'`, or single addresses). */
export function rangesOf(cidrs: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const c of cidrs) {
    const [net, bits] = c.split('/');
    const family = isIP(net ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (isIP(net ?? '') === 0) throw new RangeError(`not a CIDR range: ${c}`);
    if (bits === undefined) list.addAddress(net!, family);
    else list.addSubnet(net!, Number(bits), family);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** Every address a host resolves to (the host itself when it is an address). */
export async function resolveAll(host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}
