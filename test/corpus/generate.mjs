// The labelled detector corpus: values from values.mjs in fragments people log, inside real log shapes, with as many hard-negative lines. `node test/corpus/generate.mjs` writes the held-out half.
import { writeFileSync } from 'node:fs';
import * as v from './values.mjs';

const E = (kind, value) => ({ kind, value });

/** How each kind shows up in text: a list of fragments (strings and labelled values). */
const FRAGMENTS = {
  email: (r) => r.pick([
    () => ['user ', E('email', v.email(r)), ' signed in'],
    () => ['to=<', E('email', v.email(r)), '>'],
    () => ['mailto:', E('email', v.email(r))],
    () => ['reply from "', E('email', v.email(r)), '": see thread'],
    () => ['GET /unsubscribe?email=', E('email', v.encodedEmail(r)), '&list=news'],
    () => ['contact ', E('email', v.encodedEmail(r))],
    () => ['From: Jane Doe <', E('email', v.email(r)), '>'],
  ])(),
  phone: (r) => {
    const p = v.phone(r);
    const plain = !/[^\d]/.test(p.text.replace(/^\+/, ''));
    if (plain) return [r.pick(['phone=', 'tel: ', 'mobile ', '"phone":"', 'Call me at ', 'Telefon: ', 'téléphone ']), E('phone', p.text)];
    return r.pick([
      () => ['phone=', E('phone', p.text)],
      () => ['callback requested to ', E('phone', p.text), ' by customer'],
      () => ['sms sent to ', E('phone', p.text)],
      () => ['"mobile":"', E('phone', p.text), '"'],
      () => ['Contact: ', E('phone', p.text)],
      () => ['reach me on ', E('phone', p.text), ' after 5pm'],
      () => ['', E('phone', p.text), ' called at 10:32'],
    ])();
  },
  cardNumber: (r) => r.pick([
    () => ['card ', E('cardNumber', v.cardText(r)), ' declined'],
    () => ['card:', E('cardNumber', v.card(r).digits)],
    () => ['{"amount":1999,"pan":', E('cardNumber', v.card(r).digits), ',"exp":"12/27"}'],
    () => ['POST /v1/cards/', E('cardNumber', v.card(r).digits), '/charge'],
    () => ['42,', E('cardNumber', v.card(r).digits), ',12/27,EUR'],
    () => ['number ', E('cardNumber', v.cardText(r)), ' exp 09/28'],
    () => ['pay with ', E('cardNumber', v.cardText(r)), ', cvv ', r.digits(3)],
  ])(),
  ssn: (r) => {
    const [a, g, s] = v.ssn(r);
    return r.pick([
      () => ['ssn=', E('ssn', `${a}-${g}-${s}`)],
      () => ['applicant ', E('ssn', `${a}-${g}-${s}`), ' verified'],
      () => ['SSN ', E('ssn', `${a}${g}${s}`)],
      () => ['"ssn":"', E('ssn', `${a}${g}${s}`), '"'],
      () => ['social security number: ', E('ssn', `${a} ${g} ${s}`)],
      () => ['tax form for ', E('ssn', `${a}-${g}-${s}`), ' filed'],
    ])();
  },
  iban: (r) => r.pick([
    () => ['iban=', E('iban', v.ibanText(r))],
    () => ['payout to ', E('iban', v.ibanText(r)), ' scheduled'],
    () => ['"iban":"', E('iban', v.iban(r)), '"'],
    () => ['IBAN: ', E('iban', v.ibanText(r))],
  ])(),
  ipAddress: (r) => r.pick([
    () => ['client=', E('ipAddress', v.ipv4(r))],
    () => ['connection from ', E('ipAddress', v.ipv4(r)), ':', String(r.int(1024, 65535))],
    () => ['X-Forwarded-For: ', E('ipAddress', v.ipv4(r)), ', ', E('ipAddress', v.ipv4(r))],
    () => ['peer [', E('ipAddress', v.ipv6(r)), ']:443 closed'],
    () => ['remote_addr=', E('ipAddress', v.ipv6(r))],
    () => ['login from ', E('ipAddress', v.ipv4(r))],
  ])(),
  jwt: (r) => r.pick([
    () => ['Authorization: Bearer ', E('jwt', v.jwt(r))],
    () => ['id_token=', E('jwt', v.jwt(r)), '&state=xyz'],
    () => ['token ', E('jwt', v.jwt(r)), ' rejected: expired'],
  ])(),
  awsAccessKey: (r) => r.pick([
    () => ['aws_access_key_id = ', E('awsAccessKey', v.awsAccessKey(r))],
    () => ['using credentials ', E('awsAccessKey', v.awsAccessKey(r)), ' for s3'],
    () => ['"AccessKeyId":"', E('awsAccessKey', v.awsAccessKey(r)), '"'],
  ])(),
  apiKey: (r) => r.pick([
    () => ['stripe key ', E('apiKey', v.providerKey(r)), ' loaded'],
    () => ['config: token=', E('apiKey', v.providerKey(r))],
    () => ['export GITHUB_TOKEN=', E('apiKey', v.providerKey(r))],
    () => ['aws_secret_access_key = ', E('apiKey', v.opaque(r, 'awsSecret'))],
    () => ['"SecretAccessKey":"', E('apiKey', v.opaque(r, 'awsSecret')), '"'],
    () => ['GET /oauth/callback?code=', E('apiKey', v.opaque(r, 'code')), '&state=af0ifjsldkj'],
    () => ['Cookie: sid=', E('apiKey', v.opaque(r, 'session')), '; theme=dark'],
    () => ['set-cookie: session=', E('apiKey', v.opaque(r, 'session')), '; Path=/; HttpOnly; Secure'],
    () => ['GET /download?token=', E('apiKey', v.opaque(r, 'token')), ' 200'],
    () => ['body {"user":"jane","token":"', E('apiKey', v.opaque(r, 'token')), '"}'],
    () => ['Authorization: ', E('apiKey', v.opaque(r, 'token'))],
    () => ['Authorization: Bearer ', E('apiKey', v.opaque(r, 'token'))],
    () => ['login payload {"username":"jdoe","password":"', E('apiKey', v.opaque(r, 'password')), '"}'],
    () => ['X-Api-Key: ', E('apiKey', v.opaque(r, 'token'))],
    () => ['POST https://hooks.slack.com/services/', E('apiKey', `T${r.chars(8, v.UPPER_NUM)}/B${r.chars(8, v.UPPER_NUM)}/${r.chars(24, v.ALNUM)}`)],
    () => ['client_secret=', E('apiKey', v.opaque(r, 'token'))],
  ])(),
  privateKey: (r) => r.pick([
    () => ['loaded key ', E('privateKey', v.pem(r, true, false))],
    () => ['"privateKey":"', E('privateKey', v.pem(r, true, false)), '"'],
    () => ['key material: ', E('privateKey', v.pem(r, true, true))],
    () => ['', E('privateKey', v.pem(r, false, false))],
    () => ['', E('privateKey', v.pem(r, false, true))],
  ])(),
  urlCredentials: (r) => {
    const host = r.pick(['db.internal:5432/app', 'cache:6379/0', 'mq.example.net/vhost', 'cluster0.example.net/orders?retryWrites=true', 'files.example.com/upload']);
    const scheme = r.pick(['postgres', 'postgresql', 'redis', 'amqp', 'mongodb+srv', 'https', 'ftp', 'mysql']);
    return r.pick([
      () => ['connecting to ', `${scheme}://`, E('urlCredentials', v.userinfo(r)), `@${host}`],
      () => ['DATABASE_URL=', `${scheme}://`, E('urlCredentials', v.userinfo(r)), `@${host}`],
      () => ['"url":"', `${scheme}://`, E('urlCredentials', v.userinfo(r)), `@${host}"`],
    ])();
  },
};

/** Text that holds nothing to find but looks like it might: what detectors get wrong. */
const NEGATIVES = (r) => r.pick([
  // numbers that are not cards, SSNs or phones
  () => `order ${luhnBreak(v.card(r).digits)} created`,
  () => `card ${luhnBreak(v.card(r).digits).match(/.{1,4}/g).join(' ')} (test data, fails Luhn)`,
  () => `ts=${1700000000000 + r.int(0, 9e10)} took ${r.int(1, 999)}ms`,
  () => `isbn 978-${r.int(0, 9)}-${r.digits(2)}-${r.digits(6)}-${r.int(0, 9)}`,
  () => `ISBN ${'978' + r.digits(10)}`,
  () => `oid 1.3.6.1.4.1.${r.int(100, 60000)}.${r.int(1, 20)}.${r.int(1, 9)}`,
  () => `snmp 1.3.6.1.2.1.${r.int(1, 9)}.${r.int(1, 9)}.0 = ${r.int(0, 99999)}`,
  () => `x-amz-signature=${r.chars(64, v.HEX)}`,
  () => `commit ${r.chars(40, v.HEX)} merged`,
  () => `trace_id=${r.chars(32, v.HEX)} span_id=${r.chars(16, v.HEX)}`,
  () => `request id ${r.chars(8, v.HEX)}-${r.chars(4, v.HEX)}-4${r.chars(3, v.HEX)}-a${r.chars(3, v.HEX)}-${r.chars(12, v.HEX)}`,
  () => `2026-12-02T0${r.int(0, 9)}:${r.int(10, 59)}:${r.int(10, 59)}.${r.digits(3)}Z done`,
  () => `amount=${r.int(1, 9)},${r.digits(3)},${r.digits(3)}.${r.digits(2)} EUR`,
  () => `listening on port ${r.int(1024, 65535)} pid ${r.int(100, 99999)}`,
  () => `order ${r.digits(9)} shipped`,
  () => `ZIP ${r.digits(5)}-${r.digits(4)}`,
  () => `ticket ${r.digits(4)}-${r.digits(4)} reopened`,
  () => `build ${20260000 + r.int(101, 1231)}.${r.int(1, 9)}`,
  () => `processed ${r.int(1, 9)} ${r.digits(3)} ${r.digits(3)} rows`,
  () => `ssn check skipped: ${String(r.pick([0, 666, r.int(900, 999)])).padStart(3, '0')}-${r.digits(2)}-${r.digits(4)} invalid area`,
  () => `invoice ${r.digits(3)}-${r.digits(2)}-${r.digits(4)}-${r.digits(2)}`,
  () => `date ${r.int(10, 28)}.${r.int(10, 12)}.${r.int(2020, 2026)} ${r.int(10, 23)}:${r.int(10, 59)}`,
  () => `range ${r.digits(3)}-${r.digits(3)}-${r.digits(4)}00 exceeded`,
  () => `mac ${Array.from({ length: 6 }, () => r.chars(2, v.HEX)).join(':')}`,
  () => `latency p99=${r.int(1, 900)}.${r.digits(2)}ms p50=${r.int(1, 90)}.${r.digits(1)}ms`,
  // addresses that name no one, versions
  () => `listening on http://127.0.0.1:${r.int(1024, 65535)}`,
  () => `bind 0.0.0.0:${r.int(80, 9000)}`,
  () => `server at [::1]:${r.int(3000, 9000)}`,
  () => `upgraded to v${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 20)}.${r.int(0, 99)}`,
  () => `agent version ${r.int(1, 9)}.${r.int(0, 9)}.${r.int(0, 9)}.${r.int(100, 999)} started`,
  () => `netmask 255.255.255.0`,
  // emails and credentials that are not
  () => `git clone git@github.com:${r.pick(['acme', 'org'])}/repo-${r.int(1, 99)}.git`,
  () => `remote: ssh://git@git.example.com/team/app.git`,
  () => `sentry dsn https://${r.chars(32, v.HEX)}@o${r.digits(6)}.ingest.sentry.io/${r.digits(7)}`,
  () => `installed lodash@4.17.${r.int(1, 21)} and @types/node@20.${r.int(1, 19)}.0`,
  () => `asset /img/icon@2x.png not found`,
  () => `@media (max-width: 600px) rule dropped`,
  () => `token_type=Bearer expires_in=3600`,
  () => `max_tokens=${r.int(256, 4096)} temperature=0.${r.int(1, 9)}`,
  () => `password reset requested for user ${r.int(1, 9999)}`,
  () => `token expired for session`,
  () => `Bearer authentication failed`,
  () => `DEBUG cache hit key=orders:2026-11-${r.int(10, 29)} ttl=${r.int(60, 900)}`,
  () => `session timeout=${r.int(5, 60)}m`,
  () => `error code=ECONNRESET status=${r.pick([500, 502, 503])}`,
  () => `-----BEGIN PUBLIC KEY----- loaded for verification`,
  () => `-----BEGIN CERTIFICATE----- chain ok`,
  () => `password: [REDACTED]`,
  () => `"password":"********"`,
  () => `api_key=${'${'}API_KEY} not set`,
  // IBAN-shaped with failing check digits
  () => `iban=${ibanBreak(v.iban(r))}`,
  () => `ref DE${r.digits(2)}${r.digits(4)} ok`,
  () => `sku AB12CD34EF56GH78 restocked`,
  () => `AKIA prefix test AKIAEXAMPLE`,
  () => `the eyJ prefix marks base64 JSON`,
])();

function luhnBreak(d) {
  const last = (Number(d.at(-1)) + r0.int(1, 9)) % 10;
  return d.slice(0, -1) + last;
}
function ibanBreak(iban) {
  const d = Number(iban.slice(2, 4));
  return iban.slice(0, 2) + String(((d + r0.int(1, 50)) % 97) + 2).padStart(2, '0').slice(-2) + iban.slice(4);
}
let r0;

/** Log shapes: a fragment (already a string with labelled spans) placed in a line. */
const SHAPES = [
  (r, f, negative) => [negative ? r.pick(['-', 'lb-internal', 'edge-proxy']) : E('ipAddress', v.ipv4(r)), ` - - [02/Dec/2026:03:04:05 +0000] "GET /api/v1/orders?q=`, f, ` HTTP/1.1" 200 ${r.int(100, 9999)} "-" "Mozilla/5.0"`],
  (r, f) => [`{"level":${r.pick([30, 40, 50])},"time":${1764644645000 + r.int(0, 99999)},"pid":${r.int(100, 9999)},"hostname":"api-${r.chars(4, v.HEX)}","msg":"`, { json: f }, '"}'],
  (r, f) => ['Error: ', f, `\n    at Object.handler (/srv/app/routes/orders.js:${r.int(10, 400)}:${r.int(1, 40)})\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)`],
  (r, f) => [`2026-12-02 03:04:05.${r.digits(3)} UTC [${r.int(100, 9999)}] LOG:  statement: UPDATE customers SET note = '`, f, `' WHERE id = ${r.int(1, 99999)}`],
  (r, f) => [`${r.int(1, 9999)},`, f, `,2026-12-02,${r.pick(['EUR', 'USD', 'GBP'])},${r.int(1, 999)}.${r.digits(2)}`],
  (r, f) => ['[support] customer: ', f, ', thanks!'],
  (r, f) => [`level=info ts=2026-12-02T03:04:0${r.int(0, 9)}.${r.digits(3)}Z caller=handler.go:${r.int(10, 300)} msg="`, f, `" duration=${r.int(1, 99)}.${r.int(0, 9)}ms`],
  (r, f) => [`Dec  2 03:04:05 web-${r.int(1, 9)} app[${r.int(100, 9999)}]: `, f],
  (_r, f) => [f],
];

const jsonEscape = (s) => JSON.stringify(s).slice(1, -1);

/** Flattens a shape into text and labelled spans. */
function assemble(parts, escape = false) {
  let text = '';
  const pii = [];
  for (const p of parts) {
    if (typeof p === 'string') text += escape ? jsonEscape(p) : p;
    else if (Array.isArray(p)) {
      const inner = assemble(p, escape);
      for (const e of inner.pii) pii.push({ ...e, start: e.start + text.length, end: e.end + text.length });
      text += inner.text;
    } else if ('json' in p) {
      const inner = assemble(p.json, true);
      for (const e of inner.pii) pii.push({ ...e, start: e.start + text.length, end: e.end + text.length });
      text += inner.text;
    } else {
      const value = escape ? jsonEscape(p.value) : p.value;
      pii.push({ kind: p.kind, start: text.length, end: text.length + value.length, value });
      text += value;
    }
  }
  return { text, pii };
}

/** A corpus of `perKind` lines for every kind (some with a second value) and as many hard-negative lines again. */
export function generate(seed, perKind = 100) {
  const r = v.rng(seed);
  r0 = r;
  const lines = [];
  const kinds = Object.keys(FRAGMENTS);
  for (const kind of kinds) {
    for (let i = 0; i < perKind; i++) {
      let fragment = FRAGMENTS[kind](r);
      if (r.next() < 0.2) fragment = [fragment, r.pick([', ', ' and ', ' | ']), FRAGMENTS[r.pick(kinds)](r)];
      else if (r.next() < 0.3) fragment = [fragment, ' ', NEGATIVES(r)];
      lines.push(assemble(r.pick(SHAPES)(r, fragment)));
    }
  }
  const entityLines = lines.length;
  for (let i = 0; i < entityLines; i++) {
    const fragment = r.next() < 0.3 ? [NEGATIVES(r), ' ', NEGATIVES(r)] : [NEGATIVES(r)];
    lines.push(assemble(r.pick(SHAPES)(r, fragment, true)));
  }
  // Interleave deterministically so a prefix of the file is a fair sample.
  return lines.map((l, i) => ({ l, k: (i * 7919) % lines.length })).sort((a, b) => a.k - b.k).map((x) => x.l);
}

/**
 * The development half (seed 1, generated on demand) is what detector changes are tried on; the
 * held-out half (its own seed, committed as held-out.jsonl) is only measured, never tuned on.
 */
export const SEEDS = { dev: 1, heldOut: 5_770_331 };

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, seed] of [['held-out', SEEDS.heldOut]]) {
    const lines = generate(seed);
    writeFileSync(new URL(`./${name}.jsonl`, import.meta.url), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    console.log(`${name}: ${lines.length} lines, ${lines.reduce((n, l) => n + l.pii.length, 0)} values, ${lines.filter((l) => l.pii.length === 0).length} without any`);
  }
}
