'use strict';
// Minimal HS256/384/512 JWTs on node:crypto. The verifier takes its weaknesses as
// options so that each planted flaw is one flag (see lib/auth.js).

const crypto = require('node:crypto');

const HMAC = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const fromB64url = (text) => Buffer.from(text, 'base64url');

function sign(payload, secret, alg = 'HS256') {
  const header = b64url(JSON.stringify({ alg, typ: 'JWT' }));
  const body = b64url(JSON.stringify(payload));
  const input = `${header}.${body}`;
  const sig = crypto.createHmac(HMAC[alg], secret).update(input).digest();
  return `${input}.${b64url(sig)}`;
}

class TokenError extends Error {}

function decode(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) throw new TokenError('malformed token');
  let header;
  let payload;
  try {
    header = JSON.parse(fromB64url(parts[0]).toString('utf8'));
    payload = JSON.parse(fromB64url(parts[1]).toString('utf8'));
  } catch {
    throw new TokenError('malformed token');
  }
  if (!header || typeof header !== 'object' || !payload || typeof payload !== 'object') {
    throw new TokenError('malformed token');
  }
  return { header, payload, input: `${parts[0]}.${parts[1]}`, signature: parts[2] };
}

/**
 * Verifies `token` and returns its payload.
 * opts: secret, algorithms (allowed algs), verifySignature (false = decode only),
 * allowNone, checkExp, audience / issuer (checked when set), now (seconds).
 */
function verify(token, opts) {
  const { header, payload, input, signature } = decode(token);
  const alg = String(header.alg || '');
  if (alg.toLowerCase() === 'none') {
    if (!opts.allowNone) throw new TokenError('unsigned token');
  } else if (opts.verifySignature !== false) {
    if (!(opts.algorithms || ['HS256']).includes(alg) || !HMAC[alg]) {
      throw new TokenError('algorithm not allowed');
    }
    const want = crypto.createHmac(HMAC[alg], opts.secret).update(input).digest();
    const got = fromB64url(signature);
    if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) {
      throw new TokenError('bad signature');
    }
  }
  const now = opts.now || Math.floor(Date.now() / 1000);
  if (opts.checkExp) {
    if (typeof payload.exp !== 'number') throw new TokenError('no exp');
    if (payload.exp <= now) throw new TokenError('token expired');
  }
  if (opts.audience !== undefined && payload.aud !== opts.audience) {
    throw new TokenError('wrong audience');
  }
  if (opts.issuer !== undefined && payload.iss !== opts.issuer) {
    throw new TokenError('wrong issuer');
  }
  return payload;
}

module.exports = { sign, decode, verify, TokenError };
