// How a log line shows a Node HTTP message logged whole, or a framework's wrapper of one: what it is, never the URL the sender chose.

/** What a logged URL or request path is written as: the path is data the sender chose, and detectors cannot vouch for all of it. */
export const WITHHELD_URL = '[REDACTED]';

type Loose = Record<string, unknown>;

const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null;

/** Node's IncomingMessage, as a server receives it or a client its answer (duck-typed: no node:http import, so edge builds bundle). */
function isIncoming(v: unknown): v is Loose {
  return isObject(v) && typeof v['httpVersion'] === 'string' && isObject(v['headers']) && Array.isArray(v['rawHeaders']);
}

/** Node's OutgoingMessage: a ServerResponse, or a ClientRequest on its way out. */
function isOutgoing(v: unknown): v is Loose {
  return isObject(v) && typeof v['getHeaders'] === 'function' && typeof v['setHeader'] === 'function';
}

function incomingRecord(m: Loose): Loose {
  const out: Loose = {};
  if (typeof m['method'] === 'string') out['method'] = m['method'];
  if (typeof m['url'] === 'string' && m['url'] !== '') out['url'] = WITHHELD_URL;
  if (typeof m['statusCode'] === 'number') out['statusCode'] = m['statusCode'];
  out['headers'] = m['headers'];
  return out;
}

function outgoingRecord(m: Loose): Loose {
  const out: Loose = {};
  if (typeof m['method'] === 'string') out['method'] = m['method'];
  if (typeof m['path'] === 'string') out['path'] = WITHHELD_URL;
  if (typeof m['statusCode'] === 'number') out['statusCode'] = m['statusCode'];
  out['headers'] = (m['getHeaders'] as () => unknown).call(m);
  return out;
}

function messageRecord(m: unknown): Loose | undefined {
  if (isIncoming(m)) return incomingRecord(m);
  if (isOutgoing(m)) return outgoingRecord(m);
  return undefined;
}

/**
 * The record a log line shows for a Node HTTP message — IncomingMessage (Express's `req` is one),
 * ServerResponse, ClientRequest — or for an object that carries one under `raw`, `req` or `res`
 * (Fastify's Request and Reply, Koa's context, request and response): method, status and headers
 * (whose credentials the walk censors by name), the URL or path as `[REDACTED]`. Walked as they
 * are, such objects write the URL the sender chose in clear (in `url`, in `params`, in the
 * socket's parser), with the server, its sockets and buffered bytes besides. `undefined` for
 * anything else, errors included (they have their own record), and for objects whose properties
 * throw.
 */
export function httpRecord(value: object): Loose | undefined {
  if (value instanceof Error) return undefined;
  try {
    const own = messageRecord(value);
    if (own !== undefined) return own;
    const v = value as Loose;
    const raw = messageRecord(v['raw']);
    if (raw !== undefined) return raw;
    const req = messageRecord(v['req']);
    const res = messageRecord(v['res']);
    if (req !== undefined && res !== undefined) return { request: req, response: res };
    return req ?? res;
  } catch {
    return undefined;
  }
}
