// The request side, written once: the URL checked, the body and the query rewritten through a plan, reports merged and emitted.
import type { FindingKind } from '../detect/detect.js';
import { sensitiveInUrl } from '../detect/url.js';
import { FieldguardError } from '../errors.js';
import { mergeReports } from '../plan/report.js';
import type { Report } from '../plan/walk.js';
import { leaveReport, type CommonConfig } from './config.js';
import type { Exchange } from './exchange.js';
import { streamedBody } from './stream-request.js';
import { keepBodyText } from './proxy-body.js';
import { bodyFormat, hasBody, isBuffer, parseBody, parseQuery, pathOf, reframe, rewrittenType, searchOf, serializeBody, serializeQuery } from './body.js';
import { oldestFirst } from '../evict.js';

/** Which parts of a request a middleware rewrites. */
export type RequestTarget = 'body' | 'query' | 'both';

/** Applies a plan to one value (synchronously or through the vault). */
export type Apply = (value: unknown) => { value: unknown; report: Report } | Promise<{ value: unknown; report: Report }>;

/** What the request side of a middleware needs, resolved at start-up. */
export interface RequestConfig extends CommonConfig {
  readonly target: RequestTarget;
  /** Refuse a URL whose path carries an email, a card, an SSN, an IBAN or a credential (outbound middlewares). */
  readonly checkUrl: boolean;
}

/** Most paths remembered as clean: a gateway's routes fit, and a client sending endless distinct paths only churns it. */
const CLEAN_PATHS_MAX = 1024;
/** Longest path remembered, so the memory held is bounded by count × length whatever clients send; longer paths are checked each time. */
const CLEAN_PATH_MAX_LENGTH = 512;
/** Paths `sensitiveInUrl` found clean, oldest first. Only clean answers are kept: a refused path is checked again each time. */
const cleanPaths = new Set<string>();
/** Drops the oldest clean path to make room (paths are only added at the end and only deleted through it). */
const evictor = oldestFirst(cleanPaths);
const NO_KINDS: readonly FindingKind[] = Object.freeze([]);

/**
 * `sensitiveInUrl(path)`, remembered for paths it found clean. Its answer is a pure function of the
 * path's text (the detectors and the decodings are fixed), so a remembered answer is the same
 * decision, made once per distinct path instead of once per request.
 */
export function pathKinds(path: string): readonly FindingKind[] {
  if (cleanPaths.has(path)) return NO_KINDS;
  const kinds = sensitiveInUrl(path);
  if (kinds.length === 0 && path.length <= CLEAN_PATH_MAX_LENGTH) {
    // Insertion order: the first path is the oldest, dropped to make room.
    if (cleanPaths.size >= CLEAN_PATHS_MAX) evictor.evict();
    cleanPaths.add(path);
  }
  return kinds;
}

/** How many clean paths {@link pathKinds} holds (for the test that its memory stays bounded). */
export function cleanPathsHeld(): number {
  return cleanPaths.size;
}

/** Whether {@link pathKinds} holds a path as clean (for the test that the oldest one is dropped first). */
export function cleanPathHeld(path: string): boolean {
  return cleanPaths.has(path);
}

/**
 * Rewrites a request through `apply`: its body (read and parsed here when no parser ran) and/or
 * its query, and checks its URL path; the report is left for the app (see `leaveReport`). Throws FieldguardError (400, 413, 415, 422, 503, …) when
 * the request must be refused; the caller then forwards nothing.
 */
export async function rewriteRequest(ex: Exchange, config: RequestConfig, apply: Apply): Promise<void> {
  const url = ex.url();
  if (config.checkUrl) {
    const kinds = pathKinds(pathOf(url));
    if (kinds.length > 0) {
      throw new FieldguardError('ERR_SENSITIVE_URL', `the URL path holds data that may not be forwarded (${kinds.join(', ')}); send it in the body, where the policy applies`);
    }
  }
  // Plan results, whose reports are built only when something reads them.
  const reports: Array<{ readonly report: Report }> = [];
  const { req } = ex;
  if (config.target !== 'query') {
    const parsed = ex.body();
    if (hasBody(req) && streamedBody(ex, config, apply)) {
      // A streamed body (server-sent events, NDJSON) is rewritten record by record as the forwarder reads it.
    } else if (hasBody(req)) {
      const contentType = req.headers['content-type'];
      const format = bodyFormat(contentType);
      if (format === undefined) {
        throw new FieldguardError('ERR_UNSUPPORTED_CONTENT_TYPE', 'this route only forwards JSON or URL-encoded form bodies, which fieldguard can inspect');
      }
      let value: unknown;
      // Unread bytes are what a proxy pipes on, whatever a parser left on the request: body-parser 1.x
      // and @koa/bodyparser leave `{}` for a type they skip, and scrubbing that would forward the raw body behind it.
      if (!req.readableEnded) {
        const text = await ex.readBody(config.limit);
        value = text === '' ? undefined : parseBody(format, text);
      } else if (typeof parsed === 'string' || isBuffer(parsed)) {
        const text = parsed.toString();
        value = text === '' ? undefined : parseBody(format, text);
      } else if (parsed !== undefined) {
        value = parsed;
      } else {
        throw new FieldguardError(
          'ERR_UNSUPPORTED_CONTENT_TYPE',
          'the body was read by something that did not parse it as JSON or a form; mount express.json() or a body parser before fieldguard',
        );
      }
      if (value !== undefined) {
        const result = await apply(value);
        setBody(ex, format === 'form' ? 'form' : 'json', result.value, contentType);
        reports.push(result);
      }
    } else if (parsed !== null && typeof parsed === 'object' && !isBuffer(parsed) && Object.keys(parsed).length > 0) {
      // No body on the wire, but something put one on the request object: it is what a proxy would forward.
      const result = await apply(parsed);
      setBody(ex, 'json', result.value, req.headers['content-type']);
      reports.push(result);
    }
  }
  if (config.target !== 'body') {
    const search = searchOf(url);
    if (search !== '') {
      const result = await apply(parseQuery(search));
      const value = result.value === undefined ? {} : result.value;
      ex.setQuery(value, serializeQuery(value));
      reports.push(result);
    }
  }
  leaveReport(ex, config.onReport, () => (reports.length === 1 ? reports[0]!.report : mergeReports(reports.map((r) => r.report))));
}

function setBody(ex: Exchange, format: 'json' | 'form', result: unknown, contentType: string | undefined): void {
  const value = result === undefined ? {} : result;
  const text = serializeBody(format, value);
  const length = reframe(ex.req.headers, text, rewrittenType(format, contentType));
  ex.setBody(value, text);
  // A proxy hooked with proxyBody forwards these bytes as they are, without serializing the value again.
  keepBodyText(ex.req, text, length);
}
