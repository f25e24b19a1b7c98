// Fastify serializes a value after every hook ran: its serializer runs under a guard, so what a getter or toJSON throws — and whatever its message quotes — never reaches the app's error handling.
import type { FastifyReply } from 'fastify';
import { FieldguardError } from '../errors.js';
import { errorAnswer, markAnswer } from '../middleware/answer.js';
import { mediaType } from '../middleware/body.js';
import type { CommonConfig } from '../middleware/config.js';

type Serializer = (payload: unknown) => string | Buffer | ArrayBuffer;
type SetSerializer = (this: FastifyReply, fn: Serializer | null) => FastifyReply;

const GUARDED = Symbol.for('fieldguard.fastify.serializer');

/** Whether Fastify serializes this payload rather than sending it as it is: a value that is not text, bytes, a stream, a Response or an Error. */
function serializes(payload: unknown): boolean {
  if (payload === undefined || payload === null || typeof payload === 'string') return false;
  if (typeof payload !== 'object') return true;
  if (payload instanceof Error) return false;
  const p = payload as { pipe?: unknown; getReader?: unknown; buffer?: unknown };
  if (typeof p.pipe === 'function' || typeof p.getReader === 'function' || p.buffer instanceof ArrayBuffer) return false;
  return Object.prototype.toString.call(payload) !== '[object Response]';
}

/**
 * What Fastify's own serializer makes of a payload: the route's response schema for the status (and,
 * where the schema is given per media type, for the answer's type — which `reply.serialize` is not
 * told), the app's default reply serializer, else `JSON.stringify`.
 */
function serializeAsFastify(reply: FastifyReply, payload: unknown): ReturnType<Serializer> {
  const status = reply.statusCode;
  for (const code of [String(status), `${String(status)[0]}xx`]) {
    const def = reply.getSerializationFunction(code) as unknown;
    if (def === undefined || def === null) continue;
    if (typeof def === 'function') break;
    const header = reply.getHeader('content-type');
    const byType = def as Record<string, unknown>;
    const fn = byType[mediaType(typeof header === 'string' ? header : undefined) ?? ''] ?? byType['*/*'];
    return typeof fn === 'function' ? (fn as Serializer)(payload) : JSON.stringify(payload);
  }
  return reply.serialize(payload);
}

/** fieldguard's refusal as the body Fastify sends next, with its status and headers in place of the answer's. */
function refusalBody(reply: FastifyReply, error: FieldguardError, format: CommonConfig['errorFormat']): string {
  const { status, headers, body } = errorAnswer(error, format);
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
  // The response guard lets fieldguard's own answer through untouched.
  markAnswer(reply.raw);
  void reply.code(status).headers(headers);
  return body;
}

function unreadable(): FieldguardError {
  return new FieldguardError('ERR_UNREADABLE_VALUE', 'the answer could not be serialized (a getter, toJSON or proxy threw), so it cannot be masked');
}

/**
 * Makes this reply serialize every value it sends under a guard. Whatever the serializer throws — a
 * getter's or toJSON's own Error, a BigInt, a cycle, a response schema's complaint that quotes the
 * value — is replaced by `ERR_UNREADABLE_VALUE`, which quotes nothing: answered as fieldguard's 500,
 * or with `errors: 'throw'` handed to the app's error handler. The app's own `reply.serializer(fn)`,
 * its default reply serializer and the route's response schemas still do the serializing.
 */
export function guardSerialization(reply: FastifyReply, config: Pick<CommonConfig, 'errors' | 'errorFormat'>): void {
  const own = reply as unknown as Record<symbol, boolean>;
  if (own[GUARDED] === true) return;
  own[GUARDED] = true;
  const send = reply.send;
  const setSerializer = reply.serializer as unknown as SetSerializer;
  let app: Serializer | null = null;
  const failed = (): string => {
    const error = unreadable();
    if (config.errors === 'handler') throw error;
    return refusalBody(reply, error, config.errorFormat);
  };
  const guarded: Serializer = (payload) => {
    setSerializer.call(reply, app);
    try {
      return app !== null ? app(payload) : serializeAsFastify(reply, payload);
    } catch {
      return failed();
    }
  };
  reply.serializer = function appSerializer(this: FastifyReply, fn: Serializer) {
    app = fn;
    return setSerializer.call(this, fn);
  } as FastifyReply['serializer'];
  reply.send = function guardedSend(this: FastifyReply, payload?: unknown) {
    let value: boolean;
    try {
      value = serializes(payload);
    } catch {
      // A payload that throws when Fastify asks what it is (a Proxy, a `pipe` getter) is refused before Fastify reads it.
      try {
        return send.call(this, failed());
      } catch (e) {
        return send.call(this, e);
      }
    }
    if (value) {
      if (app === null) {
        // With a serializer of the reply's own Fastify no longer types the answer: it is typed here as Fastify would.
        const header = this.getHeader('content-type');
        const type = typeof header === 'string' ? header : undefined;
        if (type === undefined || type === '') this.header('content-type', 'application/json; charset=utf-8');
        else if (!type.toLowerCase().includes('json')) return send.call(this, payload);
        else if (!/;\s*charset=/i.test(type)) this.header('content-type', `${type}; charset=utf-8`);
      }
      setSerializer.call(this, guarded);
    }
    return send.call(this, payload);
  } as FastifyReply['send'];
}
