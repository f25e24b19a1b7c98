// Generates the independent detector corpus: synthetic values from published formats placed into
// real log shapes, each entity labelled with its kind and exact [start,end) span, plus hard negatives.
// Run: npx tsx test/corpus-independent/generate.ts [seed] [records] > test/corpus-independent/corpus.jsonl
import {
  ALNUM, B64, B64URL, HEX, ibanCheck, PHONE_CONTEXT, PHONE_COUNTRIES, Rng, awsAccessKey, awsSecretKey, badIban,
  cardNumber, emailParts, groupCard, iban, IBAN_LENGTHS, invalidSsn, jwt, luhnInvalid16, opaqueToken,
  password, pemBody, phone, providerKey, publicIpv4, publicIpv6, spaceIban, ssn, UPPER, DIGITS,
} from './values.js';
import { getCountrySpecifications, isValidIBAN } from 'ibantools';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** Our country labels → ISO 3166 codes for the numbering-plan check. */
const PLAN_REGION: Readonly<Record<string, CountryCode>> = { US: 'US', CA: 'CA', UK: 'GB', DE: 'DE', FR: 'FR', ES: 'ES', IT: 'IT', NL: 'NL', IN: 'IN', BR: 'BR', JP: 'JP', AU: 'AU' };

/** Whether a drawn phone is a valid number in its country's numbering plan (libphonenumber metadata). */
export function planValid(text: string, country: string): boolean {
  const region = PLAN_REGION[country];
  return region !== undefined && parsePhoneNumberFromString(decodeURIComponent(text), region)?.isValid() === true;
}

/** The kinds a corpus entity can carry (the detector's kinds). */
export type Kind = 'email' | 'phone' | 'cardNumber' | 'ssn' | 'iban' | 'ipAddress' | 'jwt' | 'awsAccessKey' | 'apiKey' | 'privateKey' | 'urlCredentials';

export interface Entity {
  readonly kind: Kind;
  readonly start: number;
  readonly end: number;
  /** Which published form the value was drawn from, for reading misses. */
  readonly form: string;
}

export interface CorpusRecord {
  readonly id: number;
  readonly template: string;
  readonly text: string;
  readonly entities: readonly Entity[];
  /** Hard-negative families present in the text (for reading false positives). */
  readonly negatives: readonly string[];
}

/** Builds a text while recording entity spans. */
class Line {
  text = '';
  readonly entities: Entity[] = [];
  readonly negatives: string[] = [];
  template = 'negative';
  t(s: string): this {
    this.text += s;
    return this;
  }
  e(kind: Kind, value: string, form: string): this {
    const start = this.text.length;
    this.text += value;
    this.entities.push({ kind, start, end: this.text.length, form });
    return this;
  }
  n(family: string, value: string): this {
    this.negatives.push(family);
    this.text += value;
    return this;
  }
}

// ---------- entity writers: each appends one entity (with its surrounding syntax) ----------

type Writer = (rng: Rng, l: Line) => void;

function writeEmail(rng: Rng, l: Line): void {
  const { local, domain, style } = emailParts(rng);
  const enc = rng.next();
  if (enc < 0.12) {
    const at = rng.pick(['&#64;', '\\u0040', '%40', '%2540', '&#x40;']);
    l.e('email', `${local}${at}${domain}`, `encoded-at ${at}`);
    return;
  }
  l.e('email', `${local}@${domain}`, style);
}

function writePhone(rng: Rng, l: Line): void {
  const cc = rng.pick(PHONE_COUNTRIES);
  // redraw until the numbering plan accepts it: a label must be a number someone could have
  let p = phone(rng, cc);
  for (let tries = 0; !planValid(p.text, cc); tries++) {
    if (tries > 3000) throw new Error(`no valid phone drawn for ${cc}`);
    p = phone(rng, cc);
  }
  if (p.needsContext || rng.chance(0.5)) l.t(rng.pick(PHONE_CONTEXT[cc] ?? ['phone:']) + ' ');
  if (cc === 'US' && rng.chance(0.1)) {
    const digits = p.text.replace(/\D/g, '');
    l.t('tel=').e('phone', `%2B${digits.length === 10 ? '1' + digits : digits}`, `${cc} url-encoded`);
    return;
  }
  l.e('phone', p.text, `${cc} ${p.needsContext ? 'national' : 'intl'}`);
}

function writeCard(rng: Rng, l: Line): void {
  const { digits, network } = cardNumber(rng);
  const v = rng.int(0, 8);
  if (v === 0) l.t('card ').e('cardNumber', groupCard(digits, ' '), `${network} spaced`);
  else if (v === 1) l.t('pan=').e('cardNumber', groupCard(digits, '-'), `${network} dashed`);
  else if (v === 2) l.t('card number ').e('cardNumber', groupCard(digits, '.'), `${network} dotted`);
  else if (v === 3) l.t('card:').e('cardNumber', digits, `${network} plain after card:`);
  else if (v === 4) l.t('{"pan":').e('cardNumber', digits, `${network} JSON number`).t('}');
  else if (v === 5) l.t('/v1/cards/').e('cardNumber', digits, `${network} URL path`).t('/charge');
  else if (v === 6) {
    const g = groupCard(digits, ' ').split(' ');
    l.t('cc ').e('cardNumber', g.map((x, i) => (i === 0 ? x : (i % 2 ? '-' : ' ') + x)).join(''), `${network} mixed separators`);
  } else if (v === 7) l.t('"card":"').e('cardNumber', digits, `${network} JSON string`).t('"');
  else l.e('cardNumber', digits, `${network} plain`);
}

function writeSsn(rng: Rng, l: Line): void {
  const [a, g, s] = ssn(rng);
  const v = rng.int(0, 4);
  if (v <= 1) {
    if (rng.chance(0.5)) l.t(rng.pick(['SSN ', 'ssn: ', 'social security no. ', 'SSN#']));
    l.e('ssn', `${a}-${g}-${s}`, 'dashed');
  } else if (v === 2) l.t(rng.pick(['SSN ', 'ssn=', 'SSN: ', 'Social Security Number: '])).e('ssn', `${a}${g}${s}`, 'plain after label');
  else if (v === 3) l.t('"ssn":"').e('ssn', `${a}${g}${s}`, 'plain JSON ssn key').t('"');
  else l.t('SSN ').e('ssn', `${a} ${g} ${s}`, 'spaced after label');
}

function writeIban(rng: Rng, l: Line): void {
  const cc = rng.pick(Object.keys(IBAN_LENGTHS));
  // redraw until the national BBAN rules (layout, national check digits) accept it too
  let value = iban(rng, cc);
  for (let tries = 0; !isValidIBAN(value); tries++) {
    if (tries > 3000) throw new Error(`no valid IBAN drawn for ${cc}`);
    value = tries < 200 ? iban(rng, cc) : ibanFromSpec(rng, cc);
  }
  if (rng.chance(0.5)) l.t(rng.pick(['IBAN ', 'iban=', 'IBAN: ', 'account ']));
  if (rng.chance(0.45)) l.e('iban', spaceIban(value), `${cc} spaced`);
  else l.e('iban', value, `${cc} compact`);
}

/** Draws a BBAN from ibantools' published BBAN pattern where the registry layout above is too loose. */
function ibanFromSpec(rng: Rng, cc: string): string {
  const re = getCountrySpecifications()[cc]?.bban_regexp ?? '';
  let bban = '';
  for (const m of re.matchAll(/\[([^\]]+)\]\{(\d+)\}/g)) {
    const set = m[1] === '0-9' ? DIGITS : m[1] === 'A-Z' ? UPPER : UPPER + DIGITS;
    bban += rng.chars(set, Number(m[2]));
  }
  return cc + ibanCheck(cc, bban) + bban;
}

function writeIp(rng: Rng, l: Line): void {
  if (rng.chance(0.65)) l.e('ipAddress', publicIpv4(rng), 'v4');
  else if (rng.chance(0.15)) l.t('[').e('ipAddress', publicIpv6(rng), 'v6 bracketed').t(`]:${rng.int(1024, 65535)}`);
  else l.e('ipAddress', publicIpv6(rng), 'v6');
}

function writeJwt(rng: Rng, l: Line): void {
  const v = rng.int(0, 3);
  if (v === 0) l.t('Authorization: Bearer ').e('jwt', jwt(rng), 'bearer header');
  else if (v === 1) l.t('id_token=').e('jwt', jwt(rng), 'query');
  else if (v === 2) l.t('"access_token":"').e('jwt', jwt(rng), 'JSON').t('"');
  else l.e('jwt', jwt(rng), 'bare');
}

function writeAws(rng: Rng, l: Line): void {
  if (rng.chance(0.3)) {
    l.t('aws_access_key_id=').e('awsAccessKey', awsAccessKey(rng), 'config').t(' aws_secret_access_key=').e('apiKey', awsSecretKey(rng), 'aws secret in context');
    return;
  }
  if (rng.chance(0.2)) {
    l.t('"SecretAccessKey": "').e('apiKey', awsSecretKey(rng), 'aws secret JSON').t('"');
    return;
  }
  l.e('awsAccessKey', awsAccessKey(rng), 'bare');
}

function writeApiKey(rng: Rng, l: Line): void {
  const v = rng.int(0, 12);
  if (v <= 4) {
    const { key, provider } = providerKey(rng);
    if (rng.chance(0.5)) l.t(rng.pick(['key=', 'STRIPE_KEY=', 'token: ', 'using ', 'GITHUB_TOKEN=', 'api key ']));
    l.e('apiKey', key, `provider ${provider}`);
  } else if (v === 5) l.t('Cookie: sid=').e('apiKey', opaqueToken(rng), 'cookie sid').t(`; theme=dark; lang=en`);
  else if (v === 6) l.t('set-cookie: session=').e('apiKey', opaqueToken(rng), 'set-cookie session').t('; Path=/; HttpOnly; Secure');
  else if (v === 7) l.t('?token=').e('apiKey', opaqueToken(rng), 'query token').t('&page=2');
  else if (v === 8) l.t('"password":"').e('apiKey', password(rng), 'JSON password').t('"');
  else if (v === 9) l.t('Authorization: ').e('apiKey', opaqueToken(rng), 'authorization raw');
  else if (v === 10) l.t('"token":"').e('apiKey', opaqueToken(rng), 'JSON token').t('"');
  else if (v === 11) l.t('https://hooks.slack.com/services/').e('apiKey', `T${rng.chars(UPPER + DIGITS, 8)}/B${rng.chars(UPPER + DIGITS, 10)}/${rng.chars(ALNUM, 24)}`, 'slack webhook');
  else l.t('/oauth/callback?code=').e('apiKey', `4/0A${rng.chars(B64URL, 60)}`, 'oauth code').t('&state=' + rng.chars(HEX, 8));
}

function writeUrlCreds(rng: Rng, l: Line): void {
  const scheme = rng.pick(['postgres', 'postgresql', 'mysql', 'mongodb+srv', 'redis', 'amqp', 'https', 'ftp', 'smtp']);
  const user = rng.pick(['app', 'admin', 'deploy', 'svc_orders', 'readonly', '']);
  // a URL carries its password percent-encoded (RFC 3986): '#' would start the fragment
  const pass = encodeURIComponent(rng.pick([password(rng), rng.chars(ALNUM, 20), rng.chars(HEX, 16)]));
  const host = rng.pick(['db.internal', 'cluster0.x1y2z.mongodb.net', 'cache-01.prod', 'mq.example.org', 'git.company.io', 'smtp.mailgun.org']);
  const port = rng.chance(0.6) ? `:${rng.pick([5432, 3306, 6379, 5672, 443, 21, 587])}` : '';
  l.t(`${scheme}://`).e('urlCredentials', `${user}:${pass}`, `${scheme}${user === '' ? ' empty user' : ''}`).t(`@${host}${port}/${rng.pick(['app', 'orders', '0', 'vhost', 'repo.git', ''])}`);
}

function writePem(rng: Rng, l: Line, escaped: boolean): void {
  const type = rng.pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
  const nl = escaped ? '\\n' : '\n';
  const body = pemBody(rng, rng.int(3, 12)).join(nl);
  l.t(`-----BEGIN ${type}-----${nl}`).e('privateKey', body, `${type}${escaped ? ' JSON-escaped' : ' multiline'}`).t(`${nl}-----END ${type}-----`);
}

// ---------- hard negatives ----------

function uuid(rng: Rng): string {
  const h = rng.chars(HEX, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${rng.pick(['8', '9', 'a', 'b'])}${h.slice(17, 20)}-${h.slice(20)}`;
}

function isbn13(rng: Rng): string {
  const body = '978' + rng.digits(9);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * (i % 2 ? 3 : 1);
  const d = (10 - (sum % 10)) % 10;
  return `${body.slice(0, 3)}-${body.slice(3, 4)}-${body.slice(4, 8)}-${body.slice(8, 12)}-${d}`;
}

function timestamp(rng: Rng): string {
  return `2026-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}T${String(rng.int(0, 23)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}.${rng.digits(3)}Z`;
}

type NegWriter = (rng: Rng, l: Line) => void;

const NEGATIVES: readonly [string, NegWriter][] = [
  ['uuid', (r, l) => l.t('request_id=').n('uuid', uuid(r))],
  ['git-sha', (r, l) => l.t('commit ').n('git-sha', r.chars(HEX, 40))],
  ['git-short-sha', (r, l) => l.t('HEAD is now at ').n('git-short-sha', r.chars(HEX, 7)).t(' fix build')],
  ['oid', (r, l) => l.t('oid=').n('oid', r.pick(['1.3.6.1.4.1.311.21.8.', '2.16.840.1.113730.3.', '1.2.840.113549.1.1.', '1.3.6.1.2.1.2.2.1.']) + `${r.int(1, 99)}.${r.int(1, 9999)}`)],
  ['isbn', (r, l) => l.t('ISBN ').n('isbn', isbn13(r))],
  ['timestamp', (r, l) => l.n('timestamp', timestamp(r))],
  ['epoch-ms', (r, l) => l.t('ts=').n('epoch-ms', String(1764600000000 + r.int(0, 99999999)))],
  ['version-4', (r, l) => l.t(r.pick(['v', 'version ', 'Version: ', 'build '])).n('version-4', `${r.int(1, 20)}.${r.int(0, 30)}.${r.int(0, 300)}.${r.int(0, 9999)}`)],
  // v6 loopback with a port is bracketed: '::1:5685' is itself a valid (non-loopback) IPv6 text
  ['loopback', (r, l) => l.t('listening on ').n('loopback', r.pick(['127.0.0.1', '0.0.0.0', '[::1]', '127.0.0.53', '[::]'])).t(`:${r.int(1024, 9999)}`)],
  ['loopback-bare', (r, l) => l.t(r.pick(['bind ', 'peer ', 'from '])).n('loopback-bare', r.pick(['::1', '127.0.0.1', '0.0.0.0', '::']))],
  ['order-number', (r, l) => l.t('order ').n('order-number', r.pick([`ORD-2026-${r.digits(9)}`, `#${r.digits(8)}`, `PO${r.digits(10)}`]))],
  ['luhn-invalid-16', (r, l) => l.t(r.pick(['id ', 'ref=', 'txn '])).n('luhn-invalid-16', luhnInvalid16(r))],
  ['bad-iban', (r, l) => l.t('iban check failed for ').n('bad-iban', badIban(r))],
  ['git-remote', (r, l) => l.t('remote: ').n('git-remote', `git@${r.pick(['github.com', 'gitlab.com', 'bitbucket.org'])}:${r.pick(['acme', 'org', 'platform-team'])}/${r.pick(['api', 'web', 'infra'])}.git`)],
  ['ssh-url', (r, l) => l.t('cloning ').n('ssh-url', `ssh://git@${r.pick(['github.com', 'git.company.io'])}/${r.pick(['acme/api', 'ops/infra'])}.git`)],
  ['signature-hex', (r, l) => l.t(r.pick(['X-Hub-Signature-256: sha256=', 'Signature=', 'x-amz-content-sha256: ', 'digest sha256:'])).n('signature-hex', r.chars(HEX, 64))],
  ['price', (r, l) => l.t('total ').n('price', r.pick([`$${r.int(1, 9)},${r.digits(3)}.${r.digits(2)}`, `EUR ${r.int(1, 99)}.${r.digits(3)},${r.digits(2)}`, `£${r.int(1, 999)}.${r.digits(2)}`, `${r.int(1, 99999)} JPY`]))],
  ['short-phone', (r, l) => l.t(r.pick(['ext. ', 'call ', 'tel: ', 'room '])).n('short-phone', r.pick([`555-${r.digits(4)}`, r.digits(4), `${r.digits(3)} ${r.digits(2)}`, `+1 ${r.digits(2)}`, `${r.digits(2)}-${r.digits(2)}`]))],
  ['invalid-ssn', (r, l) => l.t('ssn rejected: ').n('invalid-ssn', invalidSsn(r))],
  ['date', (r, l) => l.n('date', r.pick([`12/0${r.int(1, 9)}/2026`, `2026-12-0${r.int(1, 9)}`, `0${r.int(1, 9)}-12-2026`, `02.12.2026`]))],
  ['mem-address', (r, l) => l.t('at 0x').n('mem-address', r.chars(HEX, 12))],
  ['docker-digest', (r, l) => l.t('image@').n('docker-digest', 'sha256:' + r.chars(HEX, 64))],
  ['duration', (r, l) => l.t('took ').n('duration', `${r.int(1, 9999)}.${r.digits(3)}ms`)],
  ['bytes', (r, l) => l.t('size=').n('bytes', String(r.int(1000000, 999999999)))],
  ['base64-blob', (r, l) => l.t('etag "').n('base64-blob', r.chars(B64URL, 27)).t('"')],
  ['semver', (r, l) => l.t('node ').n('semver', `v${r.int(16, 22)}.${r.int(0, 20)}.${r.int(0, 9)}`)],
  ['coordinates', (r, l) => l.t('geo ').n('coordinates', `${r.int(-89, 89)}.${r.digits(4)},${r.int(-179, 179)}.${r.digits(4)}`)],
  ['tracking', (r, l) => l.t('tracking ').n('tracking', `1Z${r.chars(UPPER + DIGITS, 16)}`)],
  ['numeric-id-9', (r, l) => l.t(r.pick(['user_id=', 'invoice ', 'row '])).n('numeric-id-9', r.digits(9))],
  ['numeric-id-10', (r, l) => l.t(r.pick(['account_id=', 'trace ', 'seq='])).n('numeric-id-10', String(r.int(1000000000, 9999999999)))],
  ['hex-key-id', (r, l) => l.t('kid=').n('hex-key-id', r.chars(HEX, 16))],
  ['public-key', (r, l) => l.t('authorized ').n('public-key', `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${r.chars(B64, 43)} deploy@ci`)],
  ['email-like', (r, l) => l.t('package ').n('email-like', r.pick(['@types/node@20.19.43', 'lodash@4.18.1', '@scope/pkg@1.0.0']))],
  ['url-no-creds', (r, l) => l.n('url-no-creds', `https://${r.pick(['api.stripe.com', 'example.org', 'cdn.acme.io'])}:443/v1/${r.pick(['charges', 'items'])}?limit=${r.int(1, 100)}`)],
  ['stripe-test-ish', (r, l) => l.t('object ').n('stripe-test-ish', `${r.pick(['ch_', 'cus_', 'pi_', 'evt_'])}${r.chars(ALNUM, 24)}`)],
  ['pk-publishable', (r, l) => l.t('publishable ').n('pk-publishable', `pk_live_${r.chars(ALNUM, 24)}`)],
  ['private-ipv4-version', (r, l) => l.t('chrome/').n('private-ipv4-version', `${r.int(100, 131)}.0.${r.int(1000, 6999)}.${r.int(10, 250)}`)],
];

function writeNegative(rng: Rng, l: Line): void {
  const [, w] = rng.pick(NEGATIVES);
  w(rng, l);
}

// ---------- templates (real log shapes) ----------

const KIND_WRITERS: readonly [Kind, Writer, number][] = [
  ['email', writeEmail, 14], ['phone', writePhone, 16], ['cardNumber', writeCard, 12], ['ssn', writeSsn, 8],
  ['iban', writeIban, 12], ['ipAddress', writeIp, 10], ['jwt', writeJwt, 5], ['awsAccessKey', writeAws, 5],
  ['apiKey', writeApiKey, 14], ['urlCredentials', writeUrlCreds, 6],
];

function pickWriter(rng: Rng): Writer {
  const total = KIND_WRITERS.reduce((s, [, , w]) => s + w, 0);
  let x = rng.next() * total;
  for (const [, w, weight] of KIND_WRITERS) {
    x -= weight;
    if (x < 0) return w;
  }
  return writeEmail;
}

const PATHS = ['/api/v1/orders', '/checkout', '/login', '/users/me', '/healthz', '/static/app.js', '/graphql'];
const UAS = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.85 Safari/537.36', 'curl/8.5.0', 'okhttp/4.12.0', 'python-requests/2.32.3'];

function clf(rng: Rng): string {
  return `[${String(rng.int(1, 28)).padStart(2, '0')}/Dec/2026:${String(rng.int(0, 23)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')} +0000]`;
}

type Template = (rng: Rng, l: Line, fill: Writer) => void;

const TEMPLATES: readonly [string, Template][] = [
  ['nginx-access', (r, l, f) => {
    writeIp(r, l);
    l.t(` - - ${clf(r)} "GET ${r.pick(PATHS)}?q=`);
    f(r, l);
    l.t(` HTTP/1.1" ${r.pick([200, 302, 404, 500])} ${r.int(100, 99999)} "-" "${r.pick(UAS)}"`);
  }],
  ['nginx-access-neg', (r, l, f) => {
    l.t(`${r.pick(['127.0.0.1', '::1'])} - - ${clf(r)} "POST ${r.pick(PATHS)} HTTP/1.1" 200 ${r.int(100, 9999)} "-" "${r.pick(UAS)}" rt=0.0${r.digits(2)} `);
    f(r, l);
  }],
  ['apache-error', (r, l, f) => {
    l.t(`[Wed Dec 02 03:${r.int(10, 59)}:${r.int(10, 59)}.${r.digits(6)} 2026] [proxy:error] [pid ${r.int(100, 99999)}] [client `);
    writeIp(r, l);
    l.t(`:${r.int(1024, 65535)}] AH01114: failed to reach backend, `);
    f(r, l);
  }],
  ['json-log', (r, l, f) => {
    l.t(`{"level":"${r.pick(['info', 'warn', 'error'])}","time":"${timestamp(r)}","service":"${r.pick(['billing', 'auth', 'orders'])}","msg":"`);
    l.t(r.pick(['customer updated ', 'payment failed for ', 'lookup ', 'retrying with ']));
    f(r, l);
    l.t(`","reqId":"${uuid(r)}"}`);
  }],
  ['stack-trace', (r, l, f) => {
    l.t(`Error: ${r.pick(['validation failed', 'upstream rejected', 'duplicate key'])}: `);
    f(r, l);
    l.t(`\n    at ${r.pick(['PaymentService.charge', 'Object.<anonymous>', 'processTicksAndRejections'])} (/srv/app/src/${r.pick(['pay', 'user', 'db'])}.js:${r.int(1, 400)}:${r.int(1, 80)})\n    at node:internal/process/task_queues:95:5`);
  }],
  ['sql', (r, l, f) => {
    l.t(`${timestamp(r)} LOG:  statement: UPDATE customers SET ${r.pick(['contact', 'note', 'payload'])} = '`);
    f(r, l);
    l.t(`' WHERE id = ${r.int(1, 999999)};`);
  }],
  ['csv', (r, l, f) => {
    l.t(`${r.int(1, 99999)},${r.pick(['Jane', 'Luis', 'Mei', 'Omar'])},${r.pick(['Doe', 'Pérez', 'Wang', 'Haddad'])},`);
    f(r, l);
    l.t(`,${r.pick(['active', 'closed'])},2026-11-${r.int(10, 28)}`);
  }],
  ['url', (r, l, f) => {
    l.t(`redirect to https://app.${r.pick(['acme.io', 'shop.example.com'])}/account?ref=${r.chars(HEX, 6)}&info=`);
    f(r, l);
  }],
  ['http-headers', (r, l, f) => {
    l.t(`> POST /v2/charges HTTP/1.1\n> Host: api.${r.pick(['payments.io', 'vendor.net'])}\n> X-Request-Id: ${uuid(r)}\n> `);
    f(r, l);
  }],
  ['chat', (r, l, f) => {
    l.t(`[${String(r.int(0, 23)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}] <${r.pick(['maria', 'dev42', 'support-bot', 'kenji'])}> ${r.pick(['hey, use this: ', 'my details are ', 'ok here it is ', 'pls check '])}`);
    f(r, l);
    l.t(r.pick([' thx', ' :)', '', ' asap']));
  }],
  ['kv-log', (r, l, f) => {
    l.t(`time=${timestamp(r)} level=${r.pick(['INFO', 'WARN'])} msg="${r.pick(['request', 'config loaded', 'retry'])}" `);
    f(r, l);
    l.t(` duration=${r.int(1, 999)}ms`);
  }],
  ['syslog', (r, l, f) => {
    l.t(`<${r.int(10, 190)}>Dec  2 03:${r.int(10, 59)}:${r.int(10, 59)} ${r.pick(['web-01', 'worker-3'])} app[${r.int(100, 99999)}]: `);
    f(r, l);
  }],
];

function entityLine(rng: Rng): Line {
  const l = new Line();
  const [name, tpl] = rng.pick(TEMPLATES);
  l.template = name;
  tpl(rng, l, (r, line) => {
    pickWriter(r)(r, line);
    if (r.chance(0.25)) {
      line.t(' ');
      writeNegative(r, line);
    }
    if (r.chance(0.2)) {
      line.t(r.pick([' and ', ', ', '; ']));
      pickWriter(r)(r, line);
    }
  });
  return l;
}

function negativeLine(rng: Rng): Line {
  const l = new Line();
  const [name, tpl] = rng.pick(TEMPLATES);
  l.template = name;
  if (rng.chance(0.12)) {
    // an nginx line whose client is loopback: the only address in it is not personal
    TEMPLATES[1]![1](rng, l, (r, line) => writeNegative(r, line));
    return l;
  }
  tpl(rng, l, (r, line) => {
    writeNegative(r, line);
    if (r.chance(0.5)) {
      line.t(' ');
      writeNegative(r, line);
    }
  });
  // templates that carry a client address by design: drop that entity, keep the line negative-only
  if (l.entities.length > 0) return negativeOnly(rng);
  return l;
}

function negativeOnly(rng: Rng): Line {
  const l = new Line();
  const shapes: Template[] = [TEMPLATES[3]![1], TEMPLATES[5]![1], TEMPLATES[10]![1], TEMPLATES[11]![1], TEMPLATES[9]![1], TEMPLATES[6]![1]];
  rng.pick(shapes)(rng, l, (r, line) => {
    writeNegative(r, line);
    line.t(' ');
    writeNegative(r, line);
  });
  return l;
}

function pemLine(rng: Rng): Line {
  const l = new Line();
  l.template = 'pem';
  if (rng.chance(0.5)) {
    l.t(`{"level":"error","msg":"bad key config","key":"`);
    writePem(rng, l, true);
    l.t(`"}`);
  } else {
    l.t(`${timestamp(rng)} loaded key from env:\n`);
    writePem(rng, l, false);
  }
  return l;
}

/** Generates `count` records from `seed`: ~46% entity lines, ~54% hard-negative lines. */
export function generate(seed: number, count: number): CorpusRecord[] {
  const rng = new Rng(seed);
  const out: CorpusRecord[] = [];
  for (let id = 0; id < count; id++) {
    let l: Line;
    const x = rng.next();
    if (x < 0.02) l = pemLine(rng);
    else if (x < 0.46) l = entityLine(rng);
    else l = negativeLine(rng);
    for (const e of l.entities) if (e.end <= e.start) throw new Error('empty entity');
    const template = l.entities.length === 0 ? `negative` : l.template;
    out.push({ id, template, text: l.text, entities: l.entities, negatives: l.negatives });
  }
  return out;
}

if (process.argv[1] !== undefined && /generate\.ts$/.test(process.argv[1])) {
  const seed = Number(process.argv[2] ?? '20261202');
  const count = Number(process.argv[3] ?? '2000');
  for (const rec of generate(seed, count)) process.stdout.write(JSON.stringify(rec) + '\n');
}
