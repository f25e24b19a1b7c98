// The certificate and addresses probes against real local HTTPS vendors (test/helpers/tls.ts): a changed certificate on one name, an expiring one, addresses outside the declared ranges.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type Alert } from '../../src/index.js';
import { selfSigned } from '../helpers/tls.js';
import { crm, testClock } from './helpers.js';

const certA = selfSigned();
const certB = selfSigned();

function serve(tls: { key: string; cert: string }, port = 0): Promise<Server> {
  const s = createServer(tls, (_req, res) => res.end('{}'));
  s.on('tlsClientError', () => undefined);
  return new Promise((r) => s.listen(port, '127.0.0.1', () => r(s)));
}
const close = (s: Server): Promise<void> =>
  new Promise((r) => {
    s.closeAllConnections();
    s.close(() => r());
  });

describe('probe()', () => {
  const open: Server[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await close(s).catch(() => undefined);
  });

  it('alerts when the endpoint behind one name presents another certificate, and not on the first', async () => {
    const a = await serve(certA);
    const port = (a.address() as AddressInfo).port;
    const destinations = crm(`https://127.0.0.1:${port}`);
    const alerts: Alert[] = [];
    // A month before the test certificates were made, so that they are not about to expire.
    const monitor = createMonitor({ destinations, clock: testClock(Date.now() - 30 * 86_400_000).now, onAlert: (x) => void alerts.push(x), audit: () => undefined, certificateDays: 0 });
    await monitor.probe();
    await monitor.probe();
    expect(alerts).toEqual([]);
    await close(a);
    open.push(await serve(certB, port));
    await monitor.probe();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ signal: 'certificate', destination: 'crm', metric: 'certificate', paths: ['fingerprint changed'], severity: 'warning' });
    await monitor.close();
  });

  it('alerts on a certificate that expires within certificateDays, and on addresses outside the declared ranges', async () => {
    const s = await serve(certA);
    open.push(s);
    const url = `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
    const alerts: Alert[] = [];
    const monitor = createMonitor({ destinations: crm(url), clock: Date.now, onAlert: (x) => void alerts.push(x), audit: () => undefined, addresses: { crm: ['10.0.0.0/8', '2001:db8::/32'] } });
    await monitor.probe();
    expect(alerts.map((x) => [x.signal, x.metric, x.severity, x.observed])).toEqual([
      ['certificate', 'expiry', 'critical', 0],
      ['addresses', 'addresses', 'critical', 1],
    ]);
    expect(alerts[1]!.paths).toEqual(['127.0.0.1']);
    await monitor.close();
    const inside: Alert[] = [];
    const ok = createMonitor({ destinations: crm(url), clock: Date.now, onAlert: (x) => void inside.push(x), audit: () => undefined, certificateDays: -1, addresses: { crm: ['127.0.0.0/8'] } });
    await ok.probe();
    expect(inside).toEqual([]);
    await ok.close();
    expect(() => createMonitor({ destinations: crm(url), addresses: { crm: ['not-a-range'] } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
  });
});
