'use strict';
// Bearer-token authentication middlewares. Vulnerable mode has two verifiers:
// `main` (signature and expiry checked, audience and issuer not; token also taken
// from ?access_token=) and `reports` (decode only: no signature, alg none, no
// expiry). Hardened mode has one strict verifier everywhere.

const jwt = require('./jwt');

const ISSUER = 'tollgate-express-auth';
const AUDIENCE = 'tollgate-express-api';
const TOKEN_TTL_SECONDS = 60;

function issueToken(ctx, user) {
  const iat = Math.floor(Date.now() / 1000);
  return jwt.sign(
    {
      sub: String(user.id),
      username: user.username,
      role: user.role,
      iss: ISSUER,
      aud: AUDIENCE,
      iat,
      exp: iat + TOKEN_TTL_SECONDS,
    },
    ctx.secret,
  );
}

function bearerFrom(req, allowQuery) {
  const header = req.get('authorization') || '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (m) return m[1];
  if (allowQuery && typeof req.query.access_token === 'string' && req.query.access_token) {
    return req.query.access_token;
  }
  return null;
}

function verifyOptions(ctx, variant) {
  if (ctx.mode === 'hardened') {
    return { secret: ctx.secret, algorithms: ['HS256'], checkExp: true, audience: AUDIENCE, issuer: ISSUER };
  }
  if (variant === 'reports') {
    return { verifySignature: false, allowNone: true, checkExp: false };
  }
  return { secret: ctx.secret, algorithms: ['HS256', 'HS384', 'HS512'], checkExp: true };
}

function challenge(res, error, description) {
  res.set('WWW-Authenticate', `Bearer realm="shop", error="${error}"`);
  return res.status(401).json({ error, error_description: description });
}

/** Middleware: requires a valid bearer token; sets req.user (DB row) and req.claims. */
function authenticate(ctx, variant = 'main') {
  return (req, res, next) => {
    const allowQuery = ctx.mode === 'vulnerable' && variant === 'main';
    const token = bearerFrom(req, allowQuery);
    if (!token) return challenge(res, 'invalid_request', 'bearer token required');
    let claims;
    try {
      claims = jwt.verify(token, verifyOptions(ctx, variant));
    } catch (e) {
      return challenge(res, 'invalid_token', e.message);
    }
    const user = ctx.db.get('SELECT * FROM users WHERE id = ?', [Number(claims.sub) || 0]);
    if (!user) return challenge(res, 'invalid_token', 'unknown subject');
    req.user = user;
    req.claims = claims;
    return next();
  };
}

/** Middleware: the authenticated user must be an administrator (from the DB). */
function requireAdmin(req, res, next) {
  if (req.user && req.user.is_admin === 1 && req.user.role === 'admin') return next();
  return res.status(403).json({ error: 'forbidden', detail: 'administrators only' });
}

module.exports = { issueToken, authenticate, requireAdmin, bearerFrom, ISSUER, AUDIENCE, TOKEN_TTL_SECONDS };
