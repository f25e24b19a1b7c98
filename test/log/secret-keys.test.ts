// The family of credential key names: every spelling caught, the look-alikes left alone.
import { describe, expect, it } from 'vitest';
import { isSecretKeyName, secretKeyMatcher } from '../../src/log/secret-keys.js';

const SECRET = [
  // the names issue 8 found passing raw
  'x-auth-token', 'x-session-id', 'x-access-token', 'x-goog-api-key', 'newPassword', 'apiToken', 'sessionToken', 'secretKey', 'auth',
  // the built-in list, in every spelling
  'authorization', 'Authorization', 'proxy-authorization', 'Proxy-Authorization', 'cookie', 'Cookie', 'set-cookie', 'Set-Cookie', 'setCookie',
  'x-api-key', 'X-API-KEY', 'api-key', 'api_key', 'apiKey', 'APIKey', 'ApiKey', 'apikey', 'API_KEY', 'password', 'PASSWORD', 'passwd',
  'secret', 'client-secret', 'client_secret', 'clientSecret', 'token', 'access-token', 'access_token', 'accessToken', 'refresh_token',
  'refreshToken', 'id_token', 'idToken', 'private-key', 'private_key', 'privateKey', 'PRIVATE_KEY',
  // words and pairs of the family
  'passphrase', 'pwd', 'db_password', 'dbPassword', 'DB_PASSWORD', 'currentPassword', 'password_confirmation', 'confirmPassword', 'password2',
  'passwordHash', 'userpassword', 'SMTP_PASS', 'pass', 'smtpPass', 'basicAuth', 'basic-auth', 'x-auth', 'proxyAuth', 'authHeader', 'auth_code',
  'authKey', 'accesstoken', 'authtoken', 'csrfToken', 'x-csrf-token', 'X-XSRF-TOKEN', '_csrf', 'bearer', 'bearerToken', 'jwt', 'jwtSecret',
  'webhook_secret', 'GITHUB_TOKEN', 'NPM_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'aws.secretAccessKey', 'x-amz-security-token', 'X-Amz-Signature',
  'stripe-signature', 'X-Hub-Signature-256', 'sessionId', 'session_id', 'SESSIONID', 'sessionid', 'JSESSIONID', 'PHPSESSID',
  'ASP.NET_SessionId', 'connect.sid', 'sid', 'sessionKey', 'credentials', 'credential', 'awsCredentials', 'x-amz-credential', 'otp', 'otpCode',
  'totp_secret', 'otpauthUrl', 'mfaCode', 'mfa_code', '2faCode', 'verificationCode', 'recoveryCodes', 'backup_codes', 'pin', 'pinCode', 'cvv',
  'CVV2', 'cvc', 'securityCode', 'signingKey', 'encryption_key', 'masterKey', 'hmacKey', 'clientKey', 'appKey', 'licenseKey', 'privKey',
  'connectionString', 'ConnectionString', 'x goog api key', 'xgoogapikey', 'OAuthToken', 'oauth2Token', 'cookies', 'secrets', 'passwords',
  'password_reset_token', 'hasPassword', 'token_type_secret', 'Api Key', 'api.key', 'x-api-key-2',
];

const NOT_SECRET = [
  // look-alikes named in issue 8 and the brief
  'authorType', 'author', 'authority', 'keyboard', 'monkey', 'turkey', 'passenger', 'passport', 'tokenizer', 'tokens_count',
  // more look-alikes
  'authors', 'authorities', 'authenticated', 'authMethod', 'authType', 'auth_provider', 'authLevel', 'oauth', 'OAuth', 'oauthProvider',
  'key', 'keys', 'keyId', 'publicKey', 'public_key', 'primaryKey', 'foreignKey', 'sortKey', 'cacheKey', 'idempotency-key', 'Idempotency-Key',
  'partitionKey', 'hockey', 'donkey', 'whiskey', 'hotkey', 'passage', 'compass', 'bypass', 'passThrough', 'passCount', 'passed', 'passes',
  'secretary', 'secretariat', 'tokens', 'max_tokens', 'prompt_tokens', 'completion_tokens', 'tokenize', 'tokenized', 'tokenizedCard',
  'tokenType', 'token_type', 'token_type_hint', 'tokenCount', 'token_count', 'tokenExpiresAt', 'refresh_token_expires_in', 'tokenUrl',
  'token_endpoint', 'pageToken', 'nextPageToken', 'page_token', 'passwordLength', 'passwordPolicyUrl', 'password_expires_at',
  'passwordRequired', 'cookieName', 'cookie_path', 'secretName', 'apiKeyId', 'api_key_id', 'accessKeyId', 'AWS_ACCESS_KEY_ID', 'credentialId',
  'signatureAlgorithm', 'signature_version', 'authorizationUrl', 'authorization_endpoint', 'session', 'sessionCount', 'sessionStorage',
  'accountSid', 'messageSid', 'code', 'status', 'email', 'name', 'id', 'userId', 'x-request-id', 'content-type', 'user-agent', 'host',
  'www-authenticate', 'spinner', 'pinned', 'opinion', 'shipping', 'items', 'total', '__proto__', 'constructor', '0', '', '-', 'x',
];

describe('isSecretKeyName', () => {
  it('has at least 60 names in each table', () => {
    expect(SECRET.length).toBeGreaterThanOrEqual(60);
    expect(NOT_SECRET.length).toBeGreaterThanOrEqual(60);
  });

  it.each(SECRET)('censors %j', (key) => {
    expect(isSecretKeyName(key)).toBe(true);
  });

  it.each(NOT_SECRET)('leaves %j alone', (key) => {
    expect(isSecretKeyName(key)).toBe(false);
  });

  it('answers false for what is not a string, and stays linear on hostile keys', () => {
    expect(isSecretKeyName(undefined as unknown as string)).toBe(false);
    expect(isSecretKeyName(42 as unknown as string)).toBe(false);
    // A long run of capitals is where a backtracking camelCase regex goes quadratic.
    expect(isSecretKeyName('A'.repeat(200_000))).toBe(false);
    expect(isSecretKeyName(`${'A'.repeat(200_000)}Token`)).toBe(true);
    expect(isSecretKeyName(`${'x-'.repeat(100_000)}password`)).toBe(true);
  });
});

describe('secretKeyMatcher', () => {
  it('adds extra names in every spelling of their words, and keeps the family', () => {
    const isSecret = secretKeyMatcher(['x-tenant-key', 'Signing Salt']);
    for (const k of ['x-tenant-key', 'X-Tenant-Key', 'x_tenant_key', 'xTenantKey', 'XTENANTKEY', 'xtenantkey', 'signingSalt', 'SIGNING_SALT']) {
      expect(isSecret(k), k).toBe(true);
    }
    for (const k of ['tenant', 'tenantKey', 'x-tenant', 'salt', 'authorType']) expect(isSecret(k), k).toBe(false);
    expect(isSecret('apiToken')).toBe(true);
    expect(isSecret('apiToken')).toBe(true); // from the cache
  });

  it('refuses an extra name without a letter or digit at start-up', () => {
    expect(() => secretKeyMatcher(['--'])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
    expect(() => secretKeyMatcher([42 as unknown as string])).toThrow(/letter or digit/);
  });
});
