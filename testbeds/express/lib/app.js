'use strict';
// The Express application. `ctx.mode` is 'vulnerable' or 'hardened': both modes have
// the same routes; every planted weakness (see ground_truth.toml) is a branch on
// `V` (vulnerable) below, and the hardened branch is its fix.

const fs = require('node:fs');
const path = require('node:path');
const { exec, spawn } = require('node:child_process');
const express = require('express');
const cors = require('cors');
const nunjucks = require('nunjucks');
const { authenticate, requireAdmin, issueToken } = require('./auth');
const { checkPassword, hashPassword } = require('./db');
const { fetchUrl } = require('./outbound');
const { buildSpec } = require('./spec');
const planted = require('./planted');

const PUBLIC_DIR = path.join(__dirname, '..', 'public');
const USERNAME_MAX = 27; // one catastrophic near-miss costs about half a second, not minutes
const RESET_CODE_TTL_MS = 10 * 60 * 1000;

// ------------------------------------------------------------------ helpers

function publicUser(u) {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    displayName: u.display_name,
    role: u.role,
    isAdmin: u.is_admin === 1,
  };
}

function productView(p) {
  return {
    id: p.id,
    sku: p.sku,
    name: p.name,
    price_cents: p.price_cents,
    stock: p.stock,
    _links: { self: { href: `/api/products/${p.id}` } },
  };
}

function noteView(n) {
  return { id: n.id, owner_id: n.owner_id, title: n.title, body: n.body, secret: n.secret };
}

function origin(req) {
  return `${req.protocol}://${req.get('host')}`;
}

// Hand-written MongoDB-style matching ($eq, $ne, $gt, $gte, $lt, $lte, $in, $nin,
// $regex, $exists) over plain objects: the vulnerable JSON login passes the request
// body's values straight in, so {"$ne": null} matches any password.
function matchValue(value, cond) {
  if (cond === null || typeof cond !== 'object' || Array.isArray(cond)) return value === cond;
  return Object.entries(cond).every(([op, arg]) => {
    switch (op) {
      case '$eq': return value === arg;
      case '$ne': return value !== arg;
      case '$gt': return value > arg;
      case '$gte': return value >= arg;
      case '$lt': return value < arg;
      case '$lte': return value <= arg;
      case '$in': return Array.isArray(arg) && arg.includes(value);
      case '$nin': return Array.isArray(arg) && !arg.includes(value);
      case '$exists': return (value !== undefined) === Boolean(arg);
      case '$regex':
        try {
          return new RegExp(String(arg).slice(0, 100)).test(String(value));
        } catch {
          return false;
        }
      default: return false;
    }
  });
}

function matches(doc, query) {
  return Object.entries(query).every(([k, cond]) => matchValue(doc[k], cond));
}

// A fixed-window counter keyed by string (login throttling, reset-code attempts,
// the hardened rate limit).
class Window {
  constructor(limit, ms) {
    this.limit = limit;
    this.ms = ms;
    this.map = new Map();
  }
  hit(key) {
    const now = Date.now();
    let e = this.map.get(key);
    if (!e || now - e.start >= this.ms) {
      e = { start: now, count: 0 };
      this.map.set(key, e);
    }
    e.count += 1;
    return { over: e.count > this.limit, remaining: Math.max(0, this.limit - e.count), resetMs: e.start + this.ms - now };
  }
  blocked(key) {
    const e = this.map.get(key);
    return Boolean(e && Date.now() - e.start < this.ms && e.count >= this.limit);
  }
  clear(key) {
    this.map.delete(key);
  }
}

// ------------------------------------------------------------------ the app

function createApp(ctx) {
  const V = ctx.mode === 'vulnerable';
  const app = express();
  const auth = authenticate(ctx);
  const db = ctx.db;
  const loginFailures = new Window(5, 60 * 1000);
  const resetCodes = new Map(); // username -> {code, attempts, expires}
  const tmpl = new nunjucks.Environment(null, { autoescape: true });

  if (V) {
    app.set('env', 'development'); // Express's default error handler prints stacks
  } else {
    app.set('env', 'production');
    app.disable('x-powered-by');
  }
  app.set('trust proxy', false);
  app.set('etag', false);

  // Every request, for the harness (method, URL, status); never served.
  app.use((req, res, next) => {
    res.on('finish', () => {
      ctx.log('requests.log', `${req.method} ${req.originalUrl} ${res.statusCode}`);
      if (V) {
        // VULNERABLE: the access log records the Authorization header and is served
        // at /logs/access.log (no timestamps, just method, URL, status, header).
        const authz = req.get('authorization');
        ctx.accessLog(`${req.method} ${req.originalUrl} ${res.statusCode}${authz ? ` Authorization: ${authz}` : ''}`);
      } else {
        ctx.accessLog(`${new Date().toISOString()} ${req.method} ${req.path} ${res.statusCode}`);
      }
    });
    next();
  });

  if (V) {
    // VULNERABLE CORS: an origin function meant as an allow-list for
    // https://shop.tollgate.test, defeated by suffix, prefix, unescaped-dot, null and
    // http-instead-of-https origins; reflected with credentials.
    const badOrigin = (originHeader, cb) => {
      if (!originHeader) return cb(null, false);
      const ok =
        originHeader === 'null' ||
        originHeader.endsWith('shop.tollgate.test') ||
        originHeader.startsWith('https://shop.tollgate.test') ||
        /^https?:\/\/(www|app).shop.tollgate.test$/.test(originHeader) ||
        originHeader.startsWith('http://127.0.0.1') ||
        originHeader.startsWith('http://localhost');
      return cb(null, ok);
    };
    app.use(cors({ origin: badOrigin, credentials: true }));
  } else {
    const allowed = new Set(['https://shop.tollgate.test', 'https://app.shop.tollgate.test']);
    app.use(
      cors({
        origin: (o, cb) => cb(null, Boolean(o) && allowed.has(o)),
        credentials: true,
        preflightContinue: true, // Express's own OPTIONS answer (Allow list) follows
      }),
    );
    // Security headers on every response; an over-generous rate limit (1000/min) that
    // advertises itself, like the Django testbed's hardened build.
    const rate = new Window(1000, 60 * 1000);
    app.use((req, res, next) => {
      const r = rate.hit(req.ip || 'local');
      res.set({
        'X-Content-Type-Options': 'nosniff',
        'X-Frame-Options': 'DENY',
        'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'",
        'Referrer-Policy': 'no-referrer',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'RateLimit-Limit': '1000',
        'RateLimit-Remaining': String(r.remaining),
        'RateLimit-Reset': String(Math.ceil(r.resetMs / 1000)),
        'X-RateLimit-Limit': '1000',
        'X-RateLimit-Remaining': String(r.remaining),
      });
      if (r.over) return res.status(429).set('Retry-After', String(Math.ceil(r.resetMs / 1000))).json({ error: 'rate limited' });
      return next();
    });
    // Write requests to the JSON API must carry JSON (no XML, no form bodies).
    app.use('/api', (req, res, next) => {
      const hasBody = Number(req.get('content-length') || 0) > 0 || req.get('transfer-encoding');
      if (['POST', 'PUT', 'PATCH'].includes(req.method) && hasBody && !req.is('application/json')) {
        return res.status(415).json({ error: 'request bodies must be application/json' });
      }
      return next();
    });
    // Authenticated API answers are private to their caller.
    app.use(['/api', '/token'], (req, res, next) => {
      res.set('Cache-Control', 'no-store');
      res.vary('Authorization');
      next();
    });
  }

  // Static files (both modes): favicon, CSS, JS, images, HTML pages. Cacheable on
  // purpose: a public asset is not an authenticated response.
  app.use(express.static(PUBLIC_DIR, { maxAge: '1h', etag: false, index: 'index.html' }));
  if (V) {
    app.use('/logs', express.static(ctx.publicLogDir, { etag: false }));
  }

  app.use(express.json({ limit: '16kb' }));
  app.use(express.urlencoded({ extended: false, limit: '4kb' }));

  // ---------------------------------------------------------------- spec and index
  app.get('/openapi.json', (req, res) => {
    res.json(buildSpec(ctx.mode, origin(req)));
  });

  app.get('/api', (req, res) => {
    res.type('application/hal+json').send(
      JSON.stringify({
        name: 'Tollgate tea shop API',
        _links: {
          self: { href: '/api' },
          products: { href: '/api/products' },
          articles: { href: '/api/articles' },
          me: { href: '/api/me' },
          directory: { href: '/api/directory' },
          docs: { href: '/docs/' },
        },
      }),
    );
  });

  // A cookie session for the shop front (both modes): varies on Cookie, the bearer
  // token plays no part in it. A noise trap for "authenticated response cacheable".
  app.get('/api/session', (req, res) => {
    const m = /(?:^|;\s*)sid=([a-f0-9]{16})/.exec(req.get('cookie') || '');
    const sid = m ? m[1] : ctx.randomHex(8);
    if (!m) res.cookie('sid', sid, { httpOnly: true, secure: true, sameSite: 'strict', path: '/' });
    res.vary('Cookie');
    res.json({ session: 'guest', cart: [] });
  });

  // ---------------------------------------------------------------- login
  // OAuth2 password grant, form-encoded.
  app.post('/token', (req, res) => {
    const body = req.body || {};
    if (body.grant_type !== 'password') {
      return res.status(400).json({ error: 'unsupported_grant_type' });
    }
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!V && loginFailures.blocked(username)) {
      return res.status(429).set('Retry-After', '60').json({ error: 'too_many_attempts' });
    }
    const user = db.get('SELECT * FROM users WHERE username = ?', [username]);
    if (!user || !checkPassword(user.password, password)) {
      if (V) {
        // VULNERABLE: tells unknown users from wrong passwords; never throttles.
        return res.status(401).json({
          error: 'invalid_grant',
          detail: user ? 'Incorrect password' : 'Unknown username',
        });
      }
      loginFailures.hit(username);
      res.set('WWW-Authenticate', 'Bearer realm="shop"');
      return res.status(401).json({ error: 'invalid_grant', detail: 'Incorrect username or password' });
    }
    if (!V) loginFailures.clear(username);
    res.set('Cache-Control', 'no-store');
    return res.json({ access_token: issueToken(ctx, user), token_type: 'bearer', expires_in: 60 });
  });

  // JSON login.
  app.post('/api/auth/login', (req, res) => {
    const body = req.body || {};
    let user;
    if (V) {
      // VULNERABLE: the body's values go into a Mongo-style query as they are, so
      // {"password": {"$ne": null}} logs in without the password.
      const candidates = db.all('SELECT * FROM users');
      user = candidates.find((u) => matches(u, { username: body.username, password: body.password }));
    } else {
      if (typeof body.username !== 'string' || typeof body.password !== 'string') {
        return res.status(400).json({ error: 'username and password must be strings' });
      }
      if (loginFailures.blocked(body.username)) {
        return res.status(429).set('Retry-After', '60').json({ error: 'too_many_attempts' });
      }
      const row = db.get('SELECT * FROM users WHERE username = ?', [body.username]);
      user = row && checkPassword(row.password, body.password) ? row : undefined;
      if (!user) loginFailures.hit(body.username);
    }
    if (!user) {
      if (!V) res.set('WWW-Authenticate', 'Bearer realm="shop"');
      return res.status(401).json({ error: 'invalid credentials' });
    }
    return res.json({ access_token: issueToken(ctx, user), token_type: 'bearer', expires_in: 60 });
  });

  // ---------------------------------------------------------------- users
  app.post('/api/users', (req, res) => {
    const body = req.body || {};
    let fields;
    if (V) {
      // VULNERABLE: mass assignment, the body is merged over the defaults.
      fields = Object.assign({ role: 'user', isAdmin: false, displayName: '' }, body);
    } else {
      const allowed = ['username', 'email', 'password', 'displayName'];
      const extra = Object.keys(body).filter((k) => !allowed.includes(k));
      if (extra.length) return res.status(400).json({ error: `unknown properties: ${extra.join(', ')}` });
      fields = { role: 'user', isAdmin: false, displayName: '', ...body };
    }
    const { username, email, password } = fields;
    if (![username, email, password].every((s) => typeof s === 'string' && s.length > 0 && s.length <= 200)) {
      return res.status(400).json({ error: 'username, email and password are required strings' });
    }
    if (!/^[a-z0-9_.-]{3,32}$/i.test(username)) return res.status(400).json({ error: 'invalid username' });
    if (db.get('SELECT id FROM users WHERE username = ?', [username])) {
      return res.status(409).json({ error: 'username taken' });
    }
    const stored = V ? password : hashPassword(password, ctx.randomHex(8));
    db.run(
      'INSERT INTO users (username, email, password, role, is_admin, display_name, api_key) VALUES (?,?,?,?,?,?,?)',
      [username, email, stored, String(fields.role), fields.isAdmin === true || fields.isAdmin === 1 || fields.isAdmin === 'true' ? 1 : 0, String(fields.displayName || ''), `tgk_live_${ctx.randomHex(16)}`],
    );
    const user = db.get('SELECT * FROM users WHERE id = ?', [db.lastId()]);
    ctx.stateChange(req, `user ${user.id} registered`);
    return res.status(201).json(publicUser(user));
  });

  function updateUser(req, res, target) {
    const body = req.body || {};
    const columns = { email: 'email', displayName: 'display_name', password: 'password', role: 'role', isAdmin: 'is_admin' };
    let allowed;
    if (V) {
      // VULNERABLE: every column is writable, role and isAdmin included.
      allowed = Object.keys(columns);
    } else {
      allowed = ['email', 'displayName', 'password', 'current_password'];
      const extra = Object.keys(body).filter((k) => !allowed.includes(k));
      if (extra.length) return res.status(400).json({ error: `unknown properties: ${extra.join(', ')}` });
      if (body.password !== undefined && !(typeof body.current_password === 'string' && checkPassword(target.password, body.current_password))) {
        return res.status(400).json({ error: 'current_password is required to change the password' });
      }
    }
    const sets = [];
    const params = [];
    for (const [k, v] of Object.entries(body)) {
      if (!columns[k] || !allowed.includes(k)) continue;
      if (k === 'isAdmin') {
        sets.push('is_admin = ?');
        params.push(v === true || v === 1 || v === 'true' ? 1 : 0);
      } else if (typeof v === 'string' && v.length <= 200) {
        sets.push(`${columns[k]} = ?`);
        params.push(k === 'password' && !V ? hashPassword(v, ctx.randomHex(8)) : v);
      } else {
        return res.status(400).json({ error: `${k} must be a string` });
      }
    }
    if (sets.length) {
      db.run(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`, [...params, target.id]);
      ctx.stateChange(req, `user ${target.id} updated (${Object.keys(body).join(',')})`);
    }
    return res.json(publicUser(db.get('SELECT * FROM users WHERE id = ?', [target.id])));
  }

  function userLinks(req, u) {
    const avatar = V
      ? // The avatar goes through an (undocumented) server-side proxy; the URL is
        // only ever seen in this field.
        `${origin(req)}/api/media/proxy?src=${encodeURIComponent(`${origin(req)}/img/avatar.png`)}`
      : `${origin(req)}/api/media/proxy?src=${encodeURIComponent('/img/avatar.png')}`;
    return { ...publicUser(u), avatar_url: avatar, _links: { self: { href: `/api/users/${u.id}` }, notes: { href: '/api/notes' } } };
  }

  app.get('/api/me', auth, (req, res) => res.json(userLinks(req, req.user)));
  app.patch('/api/me', auth, (req, res) => updateUser(req, res, req.user));

  // Self or admin in both modes: a user reading their own record is not an
  // administrative function (BFLA trap).
  app.get('/api/users/:id', auth, (req, res) => {
    const u = db.get('SELECT * FROM users WHERE id = ?', [Number(req.params.id) || 0]);
    if (!u || (u.id !== req.user.id && req.user.is_admin !== 1)) return res.status(404).json({ error: 'not found' });
    return res.json(userLinks(req, u));
  });

  app.patch('/api/users/:id', auth, (req, res) => {
    const u = db.get('SELECT * FROM users WHERE id = ?', [Number(req.params.id) || 0]);
    if (!u) return res.status(404).json({ error: 'not found' });
    // VULNERABLE: no ownership check, anyone changes anyone's email or password.
    if (!V && u.id !== req.user.id && req.user.is_admin !== 1) return res.status(404).json({ error: 'not found' });
    return updateUser(req, res, u);
  });

  // ---------------------------------------------------------------- admin
  const adminOnly = V ? [auth] : [auth, requireAdmin]; // VULNERABLE: any user
  app.get('/api/admin/users', ...adminOnly, (req, res) => {
    const rows = db.all('SELECT * FROM users ORDER BY id');
    if (V) {
      // VULNERABLE: plaintext passwords and API keys in the listing.
      return res.json(rows.map((u) => ({ ...publicUser(u), password: u.password, api_key: u.api_key, phone: u.phone })));
    }
    return res.json(rows.map(publicUser));
  });

  function reseed(req, res) {
    db.reseed();
    ctx.stateChange(req, 'database dropped and re-seeded');
    res.json({ status: 'reseeded', reseeds: db.reseeds });
  }
  if (V) {
    // VULNERABLE: a documented GET, without authentication, that drops and re-seeds
    // the database.
    app.get('/api/admin/reseed', reseed);
  } else {
    app.post('/api/admin/reseed', auth, requireAdmin, reseed);
  }

  // Hidden (linked nowhere, not in the spec).
  app.get('/api/internal/users', (req, res) => {
    if (!V) return res.status(404).json({ error: 'not found' });
    const rows = db.all('SELECT * FROM users ORDER BY id');
    return res.json({ users: rows.map((u) => ({ ...publicUser(u), password: u.password, phone: u.phone })) });
  });

  // Discoverable through the /api index's HAL _links only.
  app.get('/api/directory', ...(V ? [] : [auth, requireAdmin]), (req, res) => {
    const rows = db.all('SELECT * FROM users ORDER BY id');
    res.json({ people: rows.map((u) => ({ id: u.id, username: u.username, email: u.email, phone: u.phone, role: u.role })) });
  });

  // ---------------------------------------------------------------- products
  app.get('/api/products', (req, res) => {
    let limit = Number.parseInt(req.query.limit, 10);
    if (!Number.isFinite(limit) || limit < 1) limit = 10;
    if (!V && limit > 100) limit = 100; // VULNERABLE: unbounded
    let offset = Number.parseInt(req.query.offset, 10);
    if (!Number.isFinite(offset) || offset < 0) offset = 0;
    const total = db.get('SELECT COUNT(*) AS n FROM products').n;
    const rows = db.all('SELECT * FROM products ORDER BY id LIMIT ? OFFSET ?', [limit, offset]);
    const links = { self: { href: `/api/products?offset=${offset}&limit=${limit}` } };
    if (offset + limit < total) links.next = { href: `/api/products?offset=${offset + limit}&limit=${limit}` };
    res.type('application/hal+json').send(JSON.stringify({ total, _links: links, _embedded: { products: rows.map(productView) } }));
  });

  app.get('/api/products/search', (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    if (V) {
      // VULNERABLE: SQL built by concatenation; the database error goes back in JSON.
      const sql = `SELECT id, sku, name, price_cents, stock FROM products WHERE name LIKE '%${q}%' ORDER BY id LIMIT 50`;
      try {
        return res.json({ results: db.unsafeAll(sql).map(productView) });
      } catch (e) {
        return res.status(500).json({ error: `SQLITE_ERROR: ${e.message}`, query: sql });
      }
    }
    const rows = db.all("SELECT * FROM products WHERE name LIKE '%' || ? || '%' ORDER BY id LIMIT 50", [q]);
    return res.json({ results: rows.map(productView) });
  });

  app.get('/api/products/lookup', (req, res) => {
    const sku = typeof req.query.sku === 'string' ? req.query.sku : '';
    let row;
    if (V) {
      // VULNERABLE: concatenated SQL, errors swallowed (boolean-based injection).
      try {
        row = db.unsafeAll(`SELECT * FROM products WHERE sku = '${sku}' LIMIT 1`)[0];
      } catch {
        row = undefined;
      }
    } else {
      row = db.get('SELECT * FROM products WHERE sku = ?', [sku]);
    }
    if (!row) return res.status(404).json({ error: 'not found' });
    return res.json(productView(row));
  });

  // Issue 14 (body injection): a price check that pastes the JSON body's sku into SQL.
  app.post('/api/products/price-check', (req, res) => {
    const body = req.body || {};
    const sku = typeof body.sku === 'string' ? body.sku.slice(0, 100) : '';
    const qty = Number.isInteger(body.quantity) && body.quantity > 0 ? Math.min(body.quantity, 1000) : 1;
    let row;
    if (V) {
      // VULNERABLE: SQL built by concatenation from the body; the database error goes back.
      try {
        row = db.unsafeAll(`SELECT sku, price_cents FROM products WHERE sku = '${sku}' LIMIT 1`)[0];
      } catch (e) {
        return res.status(500).json({ error: `SQLITE_ERROR: ${e.message}` });
      }
    } else {
      row = db.get('SELECT sku, price_cents FROM products WHERE sku = ?', [sku]);
    }
    if (!row) return res.status(404).json({ error: 'no such SKU' });
    return res.json({ sku: row.sku, quantity: qty, total_cents: row.price_cents * qty });
  });

  // Issue 14 (NoSQL operators in a filter body): products filtered by a Mongo-style query.
  app.post('/api/products/filter', (req, res) => {
    const body = req.body || {};
    if (!V && (typeof body.name !== 'string' || (body.sku !== undefined && typeof body.sku !== 'string'))) {
      return res.status(400).json({ error: 'name (and sku) must be strings' });
    }
    const query = { name: body.name };
    if (body.sku !== undefined) query.sku = body.sku;
    // VULNERABLE (vulnerable mode): objects in the body act as operators ({"$ne": null}).
    const rows = db.all('SELECT * FROM products ORDER BY id').filter((p) => matches(p, query));
    return res.json({ results: rows.slice(0, 50).map(productView) });
  });

  app.get('/api/products/:id', (req, res) => {
    let id;
    if (V) {
      // VULNERABLE: BigInt('abc') throws; Express's default handler prints the stack.
      id = Number(BigInt(req.params.id));
    } else {
      if (!/^\d{1,9}$/.test(req.params.id)) return res.status(404).json({ error: 'not found' });
      id = Number(req.params.id);
    }
    const p = db.get('SELECT * FROM products WHERE id = ?', [id]);
    if (!p) return res.status(404).json({ error: 'not found' });
    return res.json(productView(p));
  });

  const productFields = (body) => {
    const { sku, name, price_cents: price, stock } = body || {};
    if (typeof sku !== 'string' || typeof name !== 'string' || !Number.isInteger(price) || !Number.isInteger(stock)) {
      return null;
    }
    return [sku.slice(0, 40), name.slice(0, 100), price, stock];
  };
  // VULNERABLE (adminOnly): any authenticated user creates, replaces and deletes
  // products; hardened: administrators only.
  app.post('/api/products', ...adminOnly, (req, res) => {
    const f = productFields(req.body);
    if (!f) return res.status(400).json({ error: 'sku, name, price_cents and stock are required' });
    try {
      db.run('INSERT INTO products (sku, name, price_cents, stock) VALUES (?,?,?,?)', f);
    } catch {
      return res.status(409).json({ error: 'sku taken' });
    }
    ctx.stateChange(req, 'product created');
    return res.status(201).json(productView(db.get('SELECT * FROM products WHERE id = ?', [db.lastId()])));
  });
  app.put('/api/products/:id', ...adminOnly, (req, res) => {
    const id = Number(req.params.id) || 0;
    if (!db.get('SELECT id FROM products WHERE id = ?', [id])) return res.status(404).json({ error: 'not found' });
    const f = productFields(req.body);
    if (!f) return res.status(400).json({ error: 'sku, name, price_cents and stock are required' });
    try {
      db.run('UPDATE products SET sku = ?, name = ?, price_cents = ?, stock = ? WHERE id = ?', [...f, id]);
    } catch {
      return res.status(409).json({ error: 'sku taken' });
    }
    ctx.stateChange(req, `product ${id} replaced`);
    return res.json(productView(db.get('SELECT * FROM products WHERE id = ?', [id])));
  });
  app.delete('/api/products/:id', ...adminOnly, (req, res) => {
    const id = Number(req.params.id) || 0;
    if (db.run('DELETE FROM products WHERE id = ?', [id]).changes === 0) return res.status(404).json({ error: 'not found' });
    ctx.stateChange(req, `product ${id} deleted`);
    return res.status(204).end();
  });

  // ---------------------------------------------------------------- notes
  // Each note's `secret` is the owner's own text (both modes): not a credential.
  app.get('/api/notes', auth, (req, res) => {
    res.json({ notes: db.all('SELECT * FROM notes WHERE owner_id = ? ORDER BY id', [req.user.id]).map(noteView) });
  });
  app.post('/api/notes', auth, (req, res) => {
    const { title, body, secret = '' } = req.body || {};
    if (![title, body, secret].every((s) => typeof s === 'string' && s.length <= 2000)) {
      return res.status(400).json({ error: 'title and body are required strings' });
    }
    db.run('INSERT INTO notes (owner_id, title, body, secret) VALUES (?,?,?,?)', [req.user.id, title, body, secret]);
    ctx.stateChange(req, 'note created');
    return res.status(201).json(noteView(db.get('SELECT * FROM notes WHERE id = ?', [db.lastId()])));
  });
  app.get('/api/notes/:id', auth, (req, res) => {
    const n = db.get('SELECT * FROM notes WHERE id = ?', [Number(req.params.id) || 0]);
    if (!n || n.owner_id !== req.user.id) return res.status(404).json({ error: 'not found' });
    return res.json(noteView(n));
  });
  function writableNote(req, res) {
    const n = db.get('SELECT * FROM notes WHERE id = ?', [Number(req.params.id) || 0]);
    // VULNERABLE: reads check the owner, writes do not.
    if (!n || (!V && n.owner_id !== req.user.id)) {
      res.status(404).json({ error: 'not found' });
      return null;
    }
    return n;
  }
  const editNote = (replace) => (req, res) => {
    const n = writableNote(req, res);
    if (!n) return undefined;
    const body = req.body || {};
    const next = replace ? { title: body.title, body: body.body, secret: body.secret ?? '' } : { ...noteView(n), ...body };
    if (![next.title, next.body, next.secret].every((s) => typeof s === 'string' && s.length <= 2000)) {
      return res.status(400).json({ error: 'title, body and secret must be strings' });
    }
    db.run('UPDATE notes SET title = ?, body = ?, secret = ? WHERE id = ?', [next.title, next.body, next.secret, n.id]);
    ctx.stateChange(req, `note ${n.id} edited by user ${req.user.id}`);
    return res.json(noteView(db.get('SELECT * FROM notes WHERE id = ?', [n.id])));
  };
  app.put('/api/notes/:id', auth, editNote(true));
  app.patch('/api/notes/:id', auth, editNote(false));
  app.delete('/api/notes/:id', auth, (req, res) => {
    const n = writableNote(req, res);
    if (!n) return undefined;
    db.run('DELETE FROM notes WHERE id = ?', [n.id]);
    ctx.stateChange(req, `note ${n.id} deleted by user ${req.user.id}`);
    return res.status(204).end();
  });

  // ---------------------------------------------------------------- articles (JSON:API)
  const jsonapi = (res, doc, status = 200) => res.status(status).type('application/vnd.api+json').send(JSON.stringify(doc));
  const articleView = (a) => ({ type: 'articles', id: String(a.id), attributes: { title: a.title, body: a.body }, links: { self: `/api/articles/${a.id}` } });
  app.get('/api/articles', (req, res) => {
    jsonapi(res, {
      data: db.all('SELECT * FROM articles ORDER BY id').map(articleView),
      links: { self: '/api/articles', export: '/api/articles/export' },
    });
  });
  // Discoverable through the JSON:API `links` only.
  app.get('/api/articles/export', (req, res) => {
    if (V) {
      // VULNERABLE: no ?format= crashes (TypeError) into the default error handler.
      const format = req.query.format.toLowerCase();
      return jsonapi(res, { meta: { format }, data: db.all('SELECT * FROM articles').map(articleView) });
    }
    const format = typeof req.query.format === 'string' ? req.query.format.toLowerCase() : 'json';
    if (format !== 'json') return res.status(400).json({ error: 'format must be json' });
    return jsonapi(res, { meta: { format }, data: db.all('SELECT * FROM articles').map(articleView) });
  });
  app.get('/api/articles/:id', (req, res) => {
    const a = db.get('SELECT * FROM articles WHERE id = ?', [Number(req.params.id) || 0]);
    if (!a) return jsonapi(res, { errors: [{ status: '404', title: 'Not Found' }] }, 404);
    return jsonapi(res, { data: articleView(a) });
  });

  // ---------------------------------------------------------------- reports (spec only)
  // VULNERABLE: this router decodes tokens without verifying them (alg none, any
  // signature, expired); hardened uses the strict verifier.
  app.get('/api/reports/summary', authenticate(ctx, 'reports'), (req, res) => {
    const notes = db.get('SELECT COUNT(*) AS n FROM notes WHERE owner_id = ?', [req.user.id]).n;
    const hooks = db.get('SELECT COUNT(*) AS n FROM webhooks WHERE owner_id = ?', [req.user.id]).n;
    res.json({ user: req.user.username, email: req.user.email, notes, webhooks: hooks });
  });

  // ---------------------------------------------------------------- status (HTML link only)
  app.get('/api/status', (req, res) => {
    if (!V) return res.json({ status: 'ok' });
    // VULNERABLE: build diagnostics with the deployment's cloud keys.
    return res.json({
      status: 'ok',
      node: process.version,
      database: 'sqlite (sql.js)',
      storage: { provider: 'aws-s3', bucket: 'shop-uploads', aws_access_key_id: planted.AWS_ACCESS_KEY_ID, aws_secret_access_key: planted.AWS_SECRET_ACCESS_KEY },
    });
  });

  // ---------------------------------------------------------------- debug (hidden)
  // VULNERABLE: /debug answers 301 to its canonical /debug/, which dumps the config.
  // (Express routes are not strict about the trailing slash: one route, both paths.)
  app.get('/debug', (req, res) => {
    if (!V) return res.status(404).json({ error: 'not found' });
    if (!req.path.endsWith('/')) return res.redirect(301, '/debug/');
    return res.json({
      NODE_ENV: 'development',
      PORT: String(ctx.port),
      JWT_SECRET: planted.WEAK_JWT_SECRET,
      DATABASE_URL: planted.DATABASE_URL,
      DEPLOY_GITHUB_PAT: planted.DEPLOY_GITHUB_PAT,
    });
  });

  // ---------------------------------------------------------------- media proxy (URL field only)
  app.get('/api/media/proxy', async (req, res) => {
    const src = typeof req.query.src === 'string' ? req.query.src : '';
    if (!V) {
      // Hardened: only the shop's own images, read from disk, never fetched.
      const m = /^\/img\/([a-z0-9-]{1,40}\.png)$/.exec(src);
      if (!m) return res.status(400).json({ error: 'src must be one of the shop images' });
      return res.sendFile(path.join(PUBLIC_DIR, 'img', m[1]), (err) => {
        if (err && !res.headersSent) res.status(404).json({ error: 'not found' });
      });
    }
    // VULNERABLE: fetches any URL and returns it verbatim.
    try {
      const r = await fetchUrl(src);
      res.status(r.status);
      if (r.headers['content-type']) res.type(r.headers['content-type']);
      return res.send(r.body);
    } catch (e) {
      return res.status(502).json({ error: `fetch failed: ${e.message}`, src });
    }
  });

  // ---------------------------------------------------------------- previews (SSRF in the body)
  app.post('/api/previews', auth, async (req, res) => {
    const url = req.body && req.body.url;
    if (typeof url !== 'string' || url.length > 2000) return res.status(400).json({ error: 'url is required' });
    if (!V) {
      let u;
      try {
        u = new URL(url);
      } catch {
        return res.status(400).json({ error: 'url is not a URL' });
      }
      if (u.protocol !== 'https:' || u.hostname !== 'images.shop.tollgate.test') {
        return res.status(400).json({ error: 'url must be on https://images.shop.tollgate.test' });
      }
    }
    try {
      const r = await fetchUrl(url);
      const type = String(r.headers['content-type'] || 'application/octet-stream').split(';')[0];
      // VULNERABLE (in effect): whatever the server fetched comes back as a data URL.
      return res.json({ url, status: r.status, content_type: type, preview: `data:${type};base64,${r.body.toString('base64')}` });
    } catch (e) {
      return res.status(502).json({ error: `could not fetch the preview: ${e.message}` });
    }
  });

  // ---------------------------------------------------------------- catalog export (SSRF in a header)
  app.get('/api/catalog/export', async (req, res) => {
    const callback = req.get('x-report-callback');
    const products = db.get('SELECT COUNT(*) AS n FROM products').n;
    if (callback === undefined) return res.json({ status: 'exported', products, notified: false });
    if (!V) {
      let u;
      try {
        u = new URL(callback);
      } catch {
        return res.status(400).json({ error: 'X-Report-Callback is not a URL' });
      }
      if (u.protocol !== 'https:' || u.hostname !== 'hooks.shop.tollgate.test') {
        return res.status(400).json({ error: 'X-Report-Callback must be on https://hooks.shop.tollgate.test' });
      }
      // Hardened: allow-listed destinations only (none reachable from the testbed).
      return res.json({ status: 'exported', products, notified: false });
    }
    // VULNERABLE: the server calls whatever URL the header names.
    try {
      const r = await fetchUrl(callback, { headers: { 'user-agent': 'shop-catalog/1.0' } });
      return res.json({ status: 'exported', products, notified: true, callback_status: r.status });
    } catch (e) {
      return res.json({ status: 'exported', products, notified: false, error: e.message });
    }
  });

  // ---------------------------------------------------------------- webhooks
  app.get('/api/webhooks', auth, (req, res) => {
    res.json({ webhooks: db.all('SELECT * FROM webhooks WHERE owner_id = ? ORDER BY id', [req.user.id]) });
  });
  app.post('/api/webhooks', auth, async (req, res) => {
    const { url, event = 'note.created' } = req.body || {};
    if (typeof url !== 'string' || url.length > 2000 || typeof event !== 'string') {
      return res.status(400).json({ error: 'url and event are required strings' });
    }
    if (!V) {
      let u;
      try {
        u = new URL(url);
      } catch {
        return res.status(400).json({ error: 'url is not a URL' });
      }
      if (u.protocol !== 'https:' || u.hostname !== 'hooks.shop.tollgate.test') {
        return res.status(400).json({ error: 'webhooks must point at https://hooks.shop.tollgate.test' });
      }
    }
    db.run('INSERT INTO webhooks (owner_id, url, event) VALUES (?,?,?)', [req.user.id, url, event.slice(0, 60)]);
    const id = db.lastId();
    ctx.stateChange(req, `webhook ${id} registered`);
    let ping = 'not sent';
    if (V) {
      // VULNERABLE: the registration pings the URL right away, from the server.
      try {
        const r = await fetchUrl(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'shop-webhooks/1.0' },
          body: JSON.stringify({ event: 'ping', webhook_id: id }),
        });
        ping = `delivered (${r.status})`;
      } catch (e) {
        ping = `failed: ${e.message}`;
      }
    }
    return res.status(201).json({ id, url, event, ping });
  });
  app.delete('/api/webhooks/:id', auth, (req, res) => {
    const id = Number(req.params.id) || 0;
    if (db.run('DELETE FROM webhooks WHERE id = ? AND owner_id = ?', [id, req.user.id]).changes === 0) {
      return res.status(404).json({ error: 'not found' });
    }
    ctx.stateChange(req, `webhook ${id} deleted`);
    return res.status(204).end();
  });

  // ---------------------------------------------------------------- password reset
  app.post('/api/password-reset', (req, res) => {
    const username = req.body && req.body.username;
    if (typeof username !== 'string') return res.status(400).json({ error: 'username is required' });
    if (db.get('SELECT id FROM users WHERE username = ?', [username])) {
      // VULNERABLE: 4 digits; hardened: 6 digits, 5 attempts, 10 minutes.
      const code = V ? String(ctx.randomInt(10000)).padStart(4, '0') : String(ctx.randomInt(1000000)).padStart(6, '0');
      resetCodes.set(username, { code, attempts: 0, expires: Date.now() + RESET_CODE_TTL_MS });
      ctx.log('mail.log', `to=${username} subject="Your reset code" code=${code}`);
      ctx.stateChange(req, `reset code issued for ${username}`);
    }
    return res.status(202).json({ status: 'if the account exists, a code was sent' });
  });
  app.post('/api/password-reset/confirm', (req, res) => {
    const { username, code, new_password: newPassword } = req.body || {};
    if (![username, code, newPassword].every((s) => typeof s === 'string' && s.length > 0 && s.length <= 200)) {
      return res.status(400).json({ error: 'username, code and new_password are required strings' });
    }
    const entry = resetCodes.get(username);
    if (!entry || entry.expires < Date.now()) return res.status(400).json({ error: 'invalid or expired code' });
    if (entry.code !== code) {
      entry.attempts += 1;
      if (!V && entry.attempts >= 5) {
        resetCodes.delete(username);
        return res.status(429).json({ error: 'too many attempts; request a new code' });
      }
      return res.status(400).json({ error: 'invalid or expired code' });
    }
    resetCodes.delete(username);
    db.run('UPDATE users SET password = ? WHERE username = ?', [V ? newPassword : hashPassword(newPassword, ctx.randomHex(8)), username]);
    ctx.stateChange(req, `password reset for ${username}`);
    return res.json({ status: 'password changed' });
  });

  // ---------------------------------------------------------------- tools and validation
  // Greeting card preview: nunjucks.
  app.get('/api/greeting', (req, res) => {
    const name = typeof req.query.name === 'string' ? req.query.name.slice(0, 200) : 'friend';
    try {
      const message = V
        ? // VULNERABLE: user input becomes part of the template source (SSTI).
          tmpl.renderString(`Hello ${name}!`, {})
        : tmpl.renderString('Hello {{ name }}!', { name });
      return res.json({ message });
    } catch (e) {
      return res.status(400).json({ error: 'template error' });
    }
  });

  app.post('/api/tools/checksum', auth, (req, res) => {
    const text = req.body && req.body.text;
    if (typeof text !== 'string' || text.length > 4096) return res.status(400).json({ error: 'text is required' });
    if (V) {
      // VULNERABLE: the text is pasted into a shell command line.
      return exec(`printf '%s' "${text}" | cksum`, { timeout: 5000, shell: '/bin/sh' }, (err, stdout) => {
        if (err && !stdout) return res.status(500).json({ error: 'checksum failed' });
        return res.json({ checksum: stdout.trim() });
      });
    }
    // Hardened: no shell; the text goes to cksum's standard input.
    const child = spawn('cksum', [], { stdio: ['pipe', 'pipe', 'ignore'], timeout: 5000 });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', () => res.status(500).json({ error: 'checksum failed' }));
    child.on('close', () => {
      if (!res.headersSent) res.json({ checksum: out.trim() });
    });
    child.stdin.end(text);
    return undefined;
  });

  app.post('/api/accounts/validate', (req, res) => {
    const username = req.body && req.body.username;
    if (typeof username !== 'string' || username.length === 0) return res.status(400).json({ error: 'username is required' });
    if (username.length > USERNAME_MAX) return res.status(400).json({ error: `at most ${USERNAME_MAX} characters` });
    // VULNERABLE: nested quantifier, exponential backtracking on a near-miss.
    const valid = V ? /^([a-z0-9]+)+$/.test(username) : /^[a-z0-9]+$/.test(username);
    return res.json({ username, valid });
  });

  // ---------------------------------------------------------------- fallbacks
  if (!V) {
    // OPTIONS falls through to Express's automatic answer (200, `Allow: GET,HEAD,...`).
    app.use((req, res, next) => (req.method === 'OPTIONS' ? next() : res.status(404).json({ error: 'not found' })));
    // eslint-disable-next-line no-unused-vars
    app.use((err, req, res, next) => {
      const status = err.status || err.statusCode || 500;
      res.status(status).json({ error: status === 500 ? 'internal error' : 'bad request' });
    });
  }
  // Vulnerable mode keeps Express's defaults: "Cannot GET /x" 404 pages and the
  // development error handler, which prints the stack trace.
  return app;
}

module.exports = { createApp, matches };
