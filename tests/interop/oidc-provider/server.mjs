// Interoperability test server: panva's `oidc-provider` (a certified, widely
// used OpenID Connect / OAuth 2.0 authorization server) configured for the
// Device Authorization Grant (RFC 8628) and the authorization code grant with
// PKCE (RFC 7636), so grantty's tests can run against a
// real third-party implementation instead of only against our own mocks.
//
// Usage: node server.mjs [PORT]        (or PORT=... node server.mjs)
//   PORT 0 (the default) lets the OS pick a free port.
//
// Once listening it prints exactly one line to stdout:
//   {"issuer":"http://127.0.0.1:PORT"}
// Everything else (oidc-provider's development-mode warnings, errors) goes to
// stderr. The process exits on SIGTERM/SIGINT and when its stdin closes, so a
// test runner that dies without cleaning up does not leak it.
//
// TEST ONLY: fixed cookie keys, development signing keys, built-in
// login/consent pages that accept any login, plain http.

import { createServer } from 'node:http';

import Provider from 'oidc-provider';

// oidc-provider prints NOTICEs with console.info, which goes to stdout; keep
// stdout reserved for the single JSON line the test harness waits for.
console.info = console.error;
console.log = console.error;

const HOST = '127.0.0.1';
const rawPort = process.argv[2] ?? process.env.PORT ?? '0';
const port = Number.parseInt(rawPort, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port: ${rawPort}`);
  process.exit(2);
}

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const ACCOUNT = {
  sub: 'interop-user',
  email: 'interop.user@example.com',
  email_verified: true,
  name: 'Interop User',
};

// Bind first so that with port 0 the issuer can name the port actually chosen.
const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, HOST, resolve);
});
const issuer = `http://${HOST}:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      // A public client, like a CLI: no secret, client_id only.
      client_id: 'grantty-interop',
      client_name: 'grantty interop',
      token_endpoint_auth_method: 'none',
      grant_types: [DEVICE_CODE_GRANT, 'refresh_token', 'authorization_code'],
      // The authorization code grant (tests/interop/code.rs): grantty pastes
      // back the address of this redirect URI, where nothing listens.
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
    },
    // Confidential device clients (RFC 8628 §5.6 allows them), one per way of
    // sending the secret (RFC 6749 §2.3.1); tests/interop/secret.rs.
    ...[
      ['grantty-confidential-basic', 'client_secret_basic'],
      ['grantty-confidential-post', 'client_secret_post'],
    ].map(([clientId, method]) => ({
      client_id: clientId,
      client_secret: `${clientId}-interop-secret`,
      client_name: `grantty ${method}`,
      token_endpoint_auth_method: method,
      grant_types: [DEVICE_CODE_GRANT, 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    })),
  ],
  scopes: ['openid', 'email', 'profile', 'offline_access'],
  claims: {
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // The devInteractions login page accepts any login and uses it as the
  // account id; the harness always signs in as "interop-user". Every account
  // gets the fixed test claims.
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return { ...ACCOUNT, sub };
      },
    };
  },
  features: {
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    // Built-in (development-only) login and consent pages.
    devInteractions: { enabled: true },
  },
  // Refresh tokens for device-flow grants that requested offline_access
  // (the default policy, spelled out), rotated on every use.
  async issueRefreshToken(_ctx, client, code) {
    return client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access');
  },
  rotateRefreshToken: true,
  ttl: {
    AccessToken: 10 * 60,
    DeviceCode: 600,
    IdToken: 10 * 60,
    RefreshToken: 24 * 60 * 60,
    Interaction: 10 * 60,
    Session: 60 * 60,
    Grant: 24 * 60 * 60,
  },
  // Fixed keys: this server only ever holds throwaway test sessions.
  cookies: { keys: ['grantty-interop-test-cookie-key-1'] },
});

// Surface server-side errors on stderr so a failing test can show them.
provider.on('server_error', (_ctx, err) => console.error('server_error:', err));

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);

let stopping = false;
function shutdown(reason) {
  if (stopping) return;
  stopping = true;
  console.error(`oidc-provider interop server stopping (${reason})`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  // Never hang on shutdown.
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
// The parent holds our stdin; when it goes away, so do we.
process.stdin.on('end', () => shutdown('stdin closed'));
process.stdin.on('close', () => shutdown('stdin closed'));
process.stdin.on('error', () => shutdown('stdin error'));
process.stdin.resume();
