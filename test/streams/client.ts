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
 * The raw bytes of a GET answer off the socket, and whether its chunked framing was ended: a cut
 * stream lacks the last chunk (fetch reads a closed connection as an end, so the wire is asked).
 */
export async function wire(url: string): Promise<{ raw: string; complete: boolean }> {
  const u = new URL(url);
  const raw = await new Promise<string>((resolve) => {
    const socket = connect(Number(u.port), '127.0.0.1', () => socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nhost: gateway\r\n\r\n`));
    let text = '';
    socket.on('data', (d: Buffer) => void (text += d.toString('latin1')));
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
  return { raw, complete: raw.endsWith('0\r\n\r\n') };
}

