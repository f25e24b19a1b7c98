// The client side of the stream tests: an answer read to its end or its cut, and the raw bytes off the socket.
import { connect } from 'node:net';

/** Reads an answer to its end, or to where its connection was cut: what the client saw, and whether it was cut. */
export async function read(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string; cut: boolean }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(8000) });
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let cut = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch {
    cut = true;
  }
  return { status: res.status, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), cut };
}

/**
 * The raw bytes of a GET answer off the socket (read to its framed end, or to the connection's close), and whether its chunked framing was ended: a cut
 * stream lacks the last chunk (fetch reads a closed connection as an end, so the wire is asked).
 */
export async function wire(url: string): Promise<{ raw: string; body: string; complete: boolean }> {
  const u = new URL(url);
  const raw = await new Promise<string>((resolve) => {
    const socket = connect(Number(u.port), '127.0.0.1', () => socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nhost: gateway\r\n\r\n`));
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      // A whole answer ends the read: a server keeping the connection alive (Fastify's 72 s) would hold it open.
      if (whole(text)) socket.destroy();
    });
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
  return { raw, body: unchunk(raw), complete: raw.endsWith('0\r\n\r\n') };
}

/** Whether a raw answer arrived whole: its chunked framing ended, or its Content-Length of bytes read. */
function whole(raw: string): boolean {
  const at = raw.indexOf('\r\n\r\n');
  if (at < 0) return false;
  const head = raw.slice(0, at).toLowerCase();
  if (head.includes('transfer-encoding: chunked')) return raw.endsWith('\r\n0\r\n\r\n');
  const length = /\r\ncontent-length: *(\d+)/.exec(head);
  return length !== null && raw.length - at - 4 >= Number(length[1]);
}

/** The body of a raw answer, its chunked framing removed (a value split across chunk frames is whole again), as far as it arrived. */
function unchunk(raw: string): string {
  const at = raw.indexOf('\r\n\r\n');
  if (at < 0) return '';
  const head = raw.slice(0, at).toLowerCase();
  let rest = raw.slice(at + 4);
  if (!head.includes('transfer-encoding: chunked')) return rest;
  let body = '';
  for (;;) {
    const nl = rest.indexOf('\r\n');
    if (nl < 0) return body + rest;
    const size = parseInt(rest.slice(0, nl), 16);
    if (!(size > 0)) return body;
    body += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
}
