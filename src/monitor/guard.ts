// The monitor's place in the request guards: the kill switch first, then the honeytoken search, then the outbound counts — all before anything is forwarded.
import type { Destinations } from '../destinations/define.js';
import { FieldguardError } from '../errors.js';
import { refuse } from '../middleware/answer.js';
import type { CommonConfig } from '../middleware/config.js';
import type { Behaviour, Exchange } from '../middleware/exchange.js';
import { parseQuery, searchOf } from '../middleware/body.js';
import type { Report } from '../plan/report.js';
import { hasSubjects } from './subjects.js';
import { watchOf, type Watch } from './watch.js';

/** The error a suspended destination is refused with. */
export function suspendedError(destination: string): FieldguardError {
  return new FieldguardError('ERR_DESTINATION_SUSPENDED', `the destination ${destination} is suspended; nothing was forwarded`);
}

/** The headers of a request as one text, for the honeytoken search. */
export function headerText(headers: Readonly<Record<string, string | string[] | undefined>>): string {
  let text = '';
  for (const v of Object.values(headers)) if (v !== undefined) text += `${Array.isArray(v) ? v.join('\n') : v}\n`;
  return text;
}

function preflight(watch: Watch, destination: string, ex: Exchange): Error | undefined {
  const headers = watch.check(destination, 'headers', headerText(ex.req.headers));
  if (headers !== undefined) return headers;
  const url = watch.check(destination, 'url', ex.url());
  if (url !== undefined) return url;
  const body = ex.body();
  // A parsed body is searched as the app handed it, before the policy: a decoy that is tokenized still gave its record away.
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) return watch.check(destination, 'body', JSON.stringify(body) ?? '');
  if (typeof body === 'string' || Buffer.isBuffer(body)) return watch.check(destination, 'body', body.toString());
  return undefined;
}

/** The exchange the guard sees: its rewritten body searched, its report kept, its request counted when it is handed on. */
function watchedExchange(ex: Exchange, watch: Watch, destination: string): Exchange {
  let report: Report | undefined;
  return {
    ...ex,
    setBody(value, text) {
      if (watch.honeytokens > 0) {
        const found = watch.check(destination, 'body', text);
        if (found !== undefined) throw found;
      }
      ex.setBody(value, text);
    },
    setQuery(value, search) {
      if (watch.honeytokens > 0) {
        const found = watch.check(destination, 'query', search);
        if (found !== undefined) throw found;
      }
      ex.setQuery(value, search);
    },
    report(r) {
      report = r;
      ex.report(r);
    },
    next() {
      const values: unknown[] = [];
      if (report !== undefined && hasSubjects(report)) {
        values.push(ex.body());
        const search = searchOf(ex.url());
        if (search !== '') values.push(parseQuery(search));
      }
      watch.outbound(destination, { report, bytes: Number(ex.req.headers['content-length'] ?? 0) || 0, values });
      return ex.next();
    },
  };
}

/**
 * Wraps a request guard with the monitor's checks: a suspended destination is refused (503
 * `ERR_DESTINATION_SUSPENDED`), a request carrying a honeytoken is refused (403
 * `ERR_HONEYTOKEN_DETECTED`) with a critical alert, and what is forwarded is counted. Without a
 * monitor and a suspension it costs one look-up per request.
 */
export function watched(source: Destinations | object | undefined, destinations: Destinations | undefined, destination: string | undefined, guard: Behaviour, config: Pick<CommonConfig, 'errors' | 'errorFormat'>): Behaviour {
  if (destination === undefined) return guard;
  return async function watchedRequest(ex) {
    if (destinations !== undefined && destinations.names.includes(destination) && destinations.suspension(destination) !== undefined) {
      watchOf(source)?.refused(destination, 'ERR_DESTINATION_SUSPENDED');
      return refuse(ex, suspendedError(destination), config);
    }
    const watch = watchOf(source);
    if (watch === undefined) return guard(ex);
    if (watch.honeytokens > 0) {
      const found = preflight(watch, destination, ex);
      if (found !== undefined) return refuse(ex, found, config);
    }
    return guard(watchedExchange(ex, watch, destination));
  };
}
