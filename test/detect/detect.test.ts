// Detectors: exact spans and output, every format covered, the false positives they must not make, whole masking, and the public API.
import { describe, expect, it } from 'vitest';
import { detect, FINDING_KINDS, redactText, type FindingKind } from '../../src/index.js';
import { mayHoldFinding } from '../../src/detect/detect.js';
import { defaultScan } from '../../src/detect/scan.js';

/** The texts of the findings, as `[kind, text]`. */
const found = (text: string): Array<[FindingKind, string]> => detect(text).map((f) => [f.kind, text.slice(f.start, f.end)]);

describe('detect and redactText', () => {
  it('reports spans and replaces exactly those spans', () => {
    const text = 'mail jane@example.com, card 4111 1111 1111 1111, ssn 123-45-6789.';
    const findings = detect(text);
    expect(findings).toEqual([
      { kind: 'email', start: 5, end: 21 },
      { kind: 'cardNumber', start: 28, end: 47 },
      { kind: 'ssn', start: 53, end: 64 },
    ]);
    expect(redactText(text)).toBe('mail j***@example.com, card **** **** **** 1111, ssn ***-**-6789.');
    expect(redactText(text, { censor: () => '<>' })).toBe('mail <>, card <>, ssn <>.');
    expect(redactText(text, { censor: 'redact' })).toBe('mail [REDACTED], card [REDACTED], ssn [REDACTED].');
  });

  it('finds the secret, not the word before it', () => {
    expect(found('Authorization: Bearer abcdefghijklmnop1234')).toEqual([['apiKey', 'abcdefghijklmnop1234']]);
    expect(found('https://user:pass@host.example/x')).toEqual([['urlCredentials', 'user:pass']]);
    expect(found('GET /x?api_key=k3y-V4lue-123&b=1')).toEqual([['apiKey', 'k3y-V4lue-123']]);
  });

  it('only looks for the kinds asked for', () => {
    expect(detect('jane@example.com 4111 1111 1111 1111', { kinds: ['cardNumber'] }).map((f) => f.kind)).toEqual(['cardNumber']);
  });

  it('never splits a surrogate pair and keeps Unicode around findings intact', () => {
    expect(redactText('😀 jane@example.com 😀')).toBe('😀 j***@example.com 😀');
    expect(redactText('🙂'.repeat(10))).toBe('🙂'.repeat(10));
  });

  it('rejects what is not a string', () => {
    expect(() => detect(42 as unknown as string)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
  });
});

describe('formats covered', () => {
  it.each<[string, string, FindingKind, string]>([
    // cards: after "card:" without a space, a JSON number inside text, CSV, URL paths, dots, mixed separators, Amex
    ['card without a space', 'card:4111111111111111 ok', 'cardNumber', '4111111111111111'],
    ['card as a JSON number', 'body {"pan":5555555555554444,"exp":"12/27"}', 'cardNumber', '5555555555554444'],
    ['card in a CSV row', '42,4012888888881881,12/27,EUR', 'cardNumber', '4012888888881881'],
    ['card in a URL path', 'POST /cards/4111111111111111/charge', 'cardNumber', '4111111111111111'],
    ['card with dots', 'pan 4111.1111.1111.1111', 'cardNumber', '4111.1111.1111.1111'],
    ['card with mixed separators', 'pan 4111 1111-1111 1111', 'cardNumber', '4111 1111-1111 1111'],
    ['Amex 4-6-5', 'amex 3782 822463 10005', 'cardNumber', '3782 822463 10005'],
    // SSNs
    ['SSN with dashes', 'applicant 123-45-6789 ok', 'ssn', '123-45-6789'],
    ['SSN as 9 digits next to its label', 'SSN 123456789', 'ssn', '123456789'],
    ['SSN in escaped JSON', '{\\"ssn\\":\\"123456789\\"}', 'ssn', '123456789'],
    // phones
    ['US 10 plain digits after a label', 'phone=4155550132', 'phone', '4155550132'],
    ['US with spaces', 'call 415 555 0132 now', 'phone', '415 555 0132'],
    ['US (area) number', 'at (415) 555-0132', 'phone', '(415) 555-0132'],
    ['URL-encoded E.164', 'GET /sms?to=%2B14155550132', 'phone', '%2B14155550132'],
    ['E.164 with spaces', 'to +44 20 7946 0958', 'phone', '+44 20 7946 0958'],
    ['UK trunk zero in parentheses', 'to +44 (0)20 7946 0958', 'phone', '+44 (0)20 7946 0958'],
    ['UK mobile', 'mobile 07700 900123', 'phone', '07700 900123'],
    ['FR pairs', 'tel 01 23 45 67 89', 'phone', '01 23 45 67 89'],
    ['FR plain after a label', 'téléphone 0612345678', 'phone', '0612345678'],
    ['DE landline with a dash', 'Telefon 030-1234567', 'phone', '030-1234567'],
    ['DE with a slash', 'Tel. 089/1234567', 'phone', '089/1234567'],
    ['ES', 'móvil 612 345 678', 'phone', '612 345 678'],
    ['IT mobile', 'cell 347 123 4567', 'phone', '347 123 4567'],
    ['IT landline after +39 keeps its 0', 'to +39 06 1234 5678', 'phone', '+39 06 1234 5678'],
    ['NL mobile', 'mobiel 06-12345678', 'phone', '06-12345678'],
    ['IN mobile', 'call 98765 43210', 'phone', '98765 43210'],
    ['BR', 'celular (11) 91234-5678', 'phone', '(11) 91234-5678'],
    ['JP', 'tel 03-1234-5678', 'phone', '03-1234-5678'],
    ['AU', 'ph (02) 9876 5432', 'phone', '(02) 9876 5432'],
    // emails
    ['IDN domain', 'from jane@bücher.de today', 'email', 'jane@bücher.de'],
    ['Unicode local part', 'from josé.müller@example.com today', 'email', 'josé.müller@example.com'],
    ['HTML entity @', 'jane&#64;example.com', 'email', 'jane&#64;example.com'],
    ['JSON escape @', 'jane\\u0040example.com', 'email', 'jane\\u0040example.com'],
    ['URL-encoded @', '?email=jane%40example.com&x=1', 'email', 'jane%40example.com'],
    ['URL-encoded twice', '?next=%3Femail%3Djane%2540example.com', 'email', 'jane%2540example.com'],
    // IBANs of registry countries a short table misses
    ['IBAN RU', 'iban RU0204452560040702810412345678901', 'iban', 'RU0204452560040702810412345678901'],
    ['IBAN grouped', 'IBAN: DE89 3704 0044 0532 0130 00', 'iban', 'DE89 3704 0044 0532 0130 00'],
    ['IBAN lower case', 'iban=gb82west12345698765432', 'iban', 'gb82west12345698765432'],
    // credentials
    ['AWS secret in context', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'apiKey', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['Stripe', 'key sk_live_4eC39HqLyjWDarjtT1zdp7dc loaded', 'apiKey', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
    ['Stripe restricted', 'rk_live_51H8abcdefghijklmnopqrstu', 'apiKey', 'rk_live_51H8abcdefghijklmnopqrstu'],
    ['Stripe webhook secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'apiKey', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['GitHub classic', 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8', 'apiKey', 'ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'],
    ['GitHub server', 'ghs_' + 'a'.repeat(36), 'apiKey', 'ghs_' + 'a'.repeat(36)],
    ['GitHub fine-grained', 'github_pat_11ABCDEFG0123456789abc_' + 'x'.repeat(59), 'apiKey', 'github_pat_11ABCDEFG0123456789abc_' + 'x'.repeat(59)],
    ['Google API key', 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI', 'apiKey', 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI'],
    ['Slack bot token', 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy', 'apiKey', 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy'],
    ['Slack webhook', 'POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', 'apiKey', 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'],
    ['OAuth code', 'GET /oauth/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz', 'apiKey', 'SplxlOBeZQQYbYS6WxSbIA'],
    ['session cookie', 'Cookie: sid=s%3Aj2kd8f7g6h5j4k3l; theme=dark', 'apiKey', 's%3Aj2kd8f7g6h5j4k3l'],
    ['set-cookie', 'set-cookie: session=9f8e7d6c5b4a39281706; Path=/; HttpOnly', 'apiKey', '9f8e7d6c5b4a39281706'],
    ['token in a query', 'GET /dl?token=Zx81kd92mvQ0pLr7 200', 'apiKey', 'Zx81kd92mvQ0pLr7'],
    ['token in JSON inside text', 'body {"user":"jane","token":"a8f5f167f44f4964e6c998dee827110c"}', 'apiKey', 'a8f5f167f44f4964e6c998dee827110c'],
    ['raw Authorization', 'Authorization: 7f3c9a1b2d4e5f60718293a4b5c6d7e8', 'apiKey', '7f3c9a1b2d4e5f60718293a4b5c6d7e8'],
    ['password in JSON inside text', 'login {"username":"jdoe","password":"hunter22"}', 'apiKey', 'hunter22'],
    ['JWT', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'],
    ['AWS access key', 'key AKIAIOSFODNN7EXAMPLE used', 'awsAccessKey', 'AKIAIOSFODNN7EXAMPLE'],
    ['IPv6', 'peer 2001:db8:85a3::8a2e:370:7334 closed', 'ipAddress', '2001:db8:85a3::8a2e:370:7334'],
    ['private IPv4', 'client=10.1.2.3', 'ipAddress', '10.1.2.3'],
  ])('%s', (_name, text, kind, value) => {
    expect(found(text)).toEqual([[kind, value]]);
  });

  it('masks a password with a raw "@" in URL credentials whole', () => {
    expect(found('redis://:p@ss@cache:6379/0')).toEqual([['urlCredentials', ':p@ss']]);
    expect(redactText('postgres://app:s3cr3t@db:5432/app')).toBe('postgres://[REDACTED]@db:5432/app');
  });

  it('masks a private key whole, with its END line or without, raw or escaped in JSON', () => {
    const raw = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc=\n-----END RSA PRIVATE KEY-----';
    expect(redactText(`key ${raw} loaded`)).toBe('key [REDACTED] loaded');
    const escaped = '-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkq\\nhkiG9w0BAQEFAASC';
    expect(redactText(`{"msg":"${escaped}"}`)).toBe('{"msg":"[REDACTED]"}');
  });

  it('masks a Unicode local part whole', () => {
    const out = redactText('contact 李雷.ανδρέας@example.com please');
    expect(out).toBe('contact 李***@example.com please');
    expect(out).not.toContain('ανδρέας');
  });

  it('masks overlapping findings as one span, never leaving part of either in clear', () => {
    const text = 'password=jane@example.com';
    expect(redactText(text)).toBe('password=[REDACTED]');
  });
});

describe('false positives it must not make', () => {
  it.each([
    ['git remote', 'git clone git@github.com:acme/repo.git'],
    ['ssh remote URL', 'remote ssh://git@git.example.com/team/app.git'],
    ['Sentry DSN public key', 'dsn https://3f2a9c8b7d6e5f4a3b2c1d0e9f8a7b6c@o123456.ingest.sentry.io/7654321'],
    ['loopback', 'listening on http://127.0.0.1:8080'],
    ['unspecified', 'bind 0.0.0.0:3000'],
    ['IPv6 loopback', 'server at [::1]:3000 and ::1'],
    ['version after v', 'upgraded to v1.2.3.4'],
    ['version after version', 'agent version 10.0.0.1 started'],
    ['OID', 'oid 1.3.6.1.4.1.311.21.8'],
    ['ISBN-13', 'isbn 978-3-16-148410-0 and ISBN 9783161484100'],
    ['request signature', 'x-amz-signature=4111111111111111fe0c1b3a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f'],
    ['commit hash', 'commit 5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d'],
    ['IBAN with failing check digits', 'iban=DE88370400440532013000'],
    ['Luhn-invalid card', 'card 4111 1111 1111 1112'],
    ['Luhn-valid number of no card network', 'order 1234567812345670'],
    ['epoch milliseconds', 'ts=1764644645123'],
    ['SSN with area 666 / 000 / 9xx', 'ids 666-12-3456 000-12-3456 912-34-5678'],
    ['nine digits without a label', 'order 123456789 shipped'],
    ['UUID', 'id 550e8400-e29b-41d4-a716-446655440000'],
    ['dates and times', '2026-12-02T03:04:05.123Z and 02.12.2026 10:32'],
    ['ZIP+4', 'ZIP 02201-2155'],
    ['npm versions and assets', 'lodash@4.17.21 /img/icon@2x.png @media'],
    ['token words without a token', 'token_type=Bearer expires_in=3600 max_tokens=1024'],
    ['sentences about secrets', 'password reset requested; Bearer authentication failed; token expired'],
    ['placeholders', 'password: [REDACTED] "password":"********" api_key=${API_KEY}'],
    ['keys that are not secrets', 'DEBUG cache hit key=orders:2026-11-29 ttl=300'],
    ['public key and certificate headers', '-----BEGIN PUBLIC KEY----- -----BEGIN CERTIFICATE-----'],
    ['error codes', 'error code=ECONNRESET status=502'],
  ])('%s', (_name, text) => {
    expect(found(text)).toEqual([]);
    expect(redactText(text)).toBe(text);
  });
});

describe('forms found on text the detectors were not written against', () => {
  it.each([
    // IPv6 with the port written after it without brackets (Apache error logs): the address, not the port.
    ['IPv6 with an unbracketed port', '[client 2a01:9a::d9:29138] AH01630', [['ipAddress', '2a01:9a::d9']]],
    ['full IPv6 with an unbracketed port', 'from 2001:db8:1:2:3:4:5:6:443 ok', [['ipAddress', '2001:db8:1:2:3:4:5:6']]],
    // National phones after the words their languages use, with the short words between.
    ['FR ten plain digits', 'appelez le 0656411335 svp', [['phone', '0656411335']]],
    ['FR after tél.', 'tél. 0750257091', [['phone', '0750257091']]],
    ['ES nine plain digits', 'llamar al 944401062', [['phone', '944401062']]],
    ['BR without parentheses', 'celular: 21 98794-8535', [['phone', '21 98794-8535']]],
    ['IN with trunk prefix', 'mobile no. 075453 11432', [['phone', '075453 11432']]],
    ['DE dashed 3-3-5', 'Telefon: 030-616-51268', [['phone', '030-616-51268']]],
    ['DE four-digit area code', 'Telefon: 0221 6753273', [['phone', '0221 6753273']]],
    ['a phone followed by a date', 'tel: 303-710-6258 2026-12-02', [['phone', '303-710-6258']]],
    ['a JP phone followed by a timestamp', '携帯: 03-1473-1260 2026-12-02T10:00:00Z', [['phone', '03-1473-1260']]],
    // 19-digit PANs whose first 16 digits pass Luhn too: the whole PAN.
    ['19-digit Visa spaced 4-4-4-4-3', 'card 4096 2635 3514 4456 630', [['cardNumber', '4096 2635 3514 4456 630']]],
    ['19-digit UnionPay dashed', 'pan=6298-5661-5109-9312-119', [['cardNumber', '6298-5661-5109-9312-119']]],
    // A pasted connection string whose password carries a raw "#".
    ['URL password with a raw #', 'amqp://admin:pa^ss#@host/vhost', [['urlCredentials', 'admin:pa^ss#']]],
    // Territories with their own code on FR and FI IBANs.
    ['IBAN of a French territory', 'iban GF0630006000011234567890189', [['iban', 'GF0630006000011234567890189']]],
    ['IBAN of Åland', 'iban AX2112345600000785', [['iban', 'AX2112345600000785']]],
  ] as Array<[string, string, Array<[FindingKind, string]>]>)('%s', (_name, text, expected) => {
    expect(found(text)).toEqual(expected);
    const out = redactText(text, { censor: 'redact' });
    for (const [, value] of expected) expect(out).not.toContain(value);
  });

  it.each([
    ['a port after a host name', 'https://host:8080#a@b'],
    ['a fragment after the host', 'https://host#me@x'],
    ['a time', 'at 12:34:56 ok'],
    ['loopback with an unbracketed port', '[client ::1:56850]'],
    ['digits and a date after no context word', 'order 303 710 2026-12-02'],
    ['BR layout without parentheses or context', 'id 21 98794-8535'],
  ])('not: %s', (_name, text) => {
    expect(found(text)).toEqual([]);
    expect(redactText(text)).toBe(text);
  });

  it('masks a 19-digit PAN to its last four, as any card', () => {
    expect(redactText('card 4096 2635 3514 4456 630')).toBe('card **** **** **** ***6 630');
  });
});

describe('the fast path', () => {
  it('says a text without digits, "@", ":", "=", "%", "&", "\\\\" or key markers can hold nothing', () => {
    expect(mayHoldFinding('request completed in the usual way')).toBe(false);
    expect(mayHoldFinding('status 200')).toBe(true);
    expect(mayHoldFinding('key sk_live_abcdefghijklmnopqrstuvwx')).toBe(true);
    expect(mayHoldFinding('eyJhbGciOi')).toBe(true);
  });

  it('is what the scanner uses: a text with nothing to find comes back as the same string', () => {
    const text = 'request completed in the usual way';
    expect(defaultScan(text)).toBe(text);
    expect(defaultScan('mail jane@example.com')).toBe('mail j***@example.com');
  });

  it('covers every kind', () => {
    expect(FINDING_KINDS).toHaveLength(11);
  });
});

describe('numbers written with Unicode digits, spaces and dashes', () => {
  const card = ['4539', '1488', '0343', '6467'];
  const fullWidth = (s: string): string => s.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
  const forms: ReadonlyArray<readonly [string, string, 'cardNumber' | 'ssn']> = [
    ['U+00A0 between card groups', card.join('\u00a0'), 'cardNumber'],
    ['U+202F between card groups', card.join('\u202f'), 'cardNumber'],
    ['en dashes between card groups', card.join('\u2013'), 'cardNumber'],
    ['a card in full-width digits', fullWidth(card.join('')), 'cardNumber'],
    ['a card in full-width digits grouped by ideographic spaces', fullWidth(card.join('\u3000')), 'cardNumber'],
    ['a card in Arabic-Indic digits', card.join(' ').replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d))), 'cardNumber'],
    ['an SSN grouped by U+00A0', '078\u00a005\u00a01120', 'ssn'],
    ['an SSN grouped by en dashes', '078\u201305\u20131120', 'ssn'],
    ['an SSN in full-width digits', fullWidth('078-05-1120'), 'ssn'],
  ];
  it.each(forms)('%s: mayHoldFinding admits it, detect finds it over its whole span, redactText leaves no digit of it', (_name, value, kind) => {
    const text = `paid with ${value} today`;
    expect(mayHoldFinding(text)).toBe(true);
    expect(mayHoldFinding(value)).toBe(true);
    expect(detect(text)).toEqual([{ kind, start: 10, end: 10 + value.length }]);
    const digits = (s: string): string => s.normalize('NFKC').replace(/\p{Nd}/gu, (d) => String(d.charCodeAt(0) >= 0x0660 && d.charCodeAt(0) <= 0x0669 ? d.charCodeAt(0) - 0x0660 : d)).replace(/\D/g, '');
    const out = redactText(text);
    expect(out.startsWith('paid with ')).toBe(true);
    expect(out.endsWith(' today')).toBe(true);
    expect(digits(out)).not.toContain(digits(value).slice(0, -4));
  });
  it('a text with digits of no script and no other mark is still passed by mayHoldFinding', () => {
    expect(mayHoldFinding('caf\u00e9 cr\u00e8me \u2013 d\u00e9j\u00e0 vu')).toBe(false);
  });
});
