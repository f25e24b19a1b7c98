// Response.json under the guard: a value is serialized where fieldguard catches what its getters and toJSON throw, so their messages never reach the app's error handling.
import { FieldguardError } from '../errors.js';
import { errorAnswer } from '../middleware/answer.js';
import { answerResponse, markUnreadable } from './exchange.js';

/**
 * `Response.json(value, init)` for a guarded handler: the value is serialized here, and whatever
 * that throws — a getter's or toJSON's own Error, whose message may quote the value it guards, a
 * BigInt, a cycle — becomes fieldguard's 500 `ERR_UNREADABLE_VALUE`, which quotes nothing, instead of
 * an exception that the framework's error handling would log (a guard answers it as its `errors` and
 * `errorFormat` say). `Response.json` and Hono's `c.json`
 * throw such an Error inside the handler, where no guard sees it before the app does. The content
 * type defaults to `application/json`; `init` is Response's.
 *
 * @example
 * ```ts
 * export const GET = maskFields({ schema })(async () => json(await loadOrder(), { status: 200 }));
 * ```
 */
export function json(value: unknown, init?: ResponseInit): Response {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) {
    const { status, headers, body } = errorAnswer(new FieldguardError('ERR_UNREADABLE_VALUE', 'the answer could not be serialized (a getter, toJSON or proxy threw), so it cannot be masked'), 'fieldguard');
    // Unguarded it is this answer; a guard answers it in its own format, or hands it to the app's error handler.
    return markUnreadable(answerResponse(status, headers, body));
  }
  const headers = new Headers(init?.headers);
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return new Response(text, { ...init, headers });
}
