// The text proxyBody forwards is kept beside the request, not on it, and one copy of the module finds what another kept (the ESM and CJS builds).
import type { ClientRequest, IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';

/** A proxy's outgoing request: what proxyBody sets and writes on it. */
function proxyRequest(length: string | undefined): { req: ClientRequest; written: string[]; headers: Record<string, unknown> } {
  const headers: Record<string, unknown> = length === undefined ? {} : { 'content-length': length };
  const written: string[] = [];
  const req = {
    getHeader: (n: string) => headers[n],
    setHeader: (n: string, v: unknown) => void (headers[n] = v),
    write: (t: string) => void written.push(t),
  } as unknown as ClientRequest;
  return { req, written, headers };
}

describe('keepBodyText / proxyBody', () => {
  it('adds nothing to the request, and another copy of the module forwards the text one copy kept', async () => {
    const first = await import('../../src/middleware/proxy-body.js');
    vi.resetModules();
    // A query makes a second instance of the module, as the ESM and CJS builds are two.
    const copy: string = '../../src/middleware/proxy-body.js?copy';
    const second = (await import(copy)) as typeof first;
    expect(second).not.toBe(first);
    const req = { readableEnded: true, headers: {} } as unknown as IncomingMessage;
    const keys = Reflect.ownKeys(req);
    first.keepBodyText(req, '{"id":"é"}', 11);
    expect(Reflect.ownKeys(req)).toEqual(keys);
    const out = proxyRequest('11');
    second.proxyBody(out.req, req);
    expect(out.written).toEqual(['{"id":"é"}']);
    expect(out.headers['content-length']).toBe('11');
  });

  it('writes nothing for a request it kept no text for, or one still being read', async () => {
    const { keepBodyText, proxyBody } = await import('../../src/middleware/proxy-body.js');
    const none = proxyRequest(undefined);
    proxyBody(none.req, { readableEnded: true, headers: {} } as unknown as IncomingMessage);
    expect(none.written).toEqual([]);
    const reading = { readableEnded: false, headers: {} } as unknown as IncomingMessage;
    keepBodyText(reading, '{}', 2);
    const out = proxyRequest(undefined);
    proxyBody(out.req, reading);
    expect(out.written).toEqual([]);
  });
});
