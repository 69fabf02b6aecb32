'use strict';
// The in-memory SQLite database (sql.js: SQLite compiled to WebAssembly, no native
// build) and its deterministic seed. `reseed()` drops every table and starts over.

const crypto = require('node:crypto');
const initSqlJs = require('sql.js');

// Stable ids: 1 admin, 2 alice, 3 bob. Passwords are the harness's login credentials.
const USERS = [
  { id: 1, username: 'admin', password: 'Admin-Express-2024!', role: 'admin', isAdmin: 1, email: 'admin@shop.tollgate.test', phone: '+1-555-0100' },
  { id: 2, username: 'alice', password: 'Alice-Express-2024!', role: 'user', isAdmin: 0, email: 'alice@shop.tollgate.test', phone: '+1-555-0102' },
  { id: 3, username: 'bob', password: 'Bob-Express-2024!', role: 'user', isAdmin: 0, email: 'bob@shop.tollgate.test', phone: '+1-555-0103' },
];

// Note owners cycle alice, bob, alice, bob, admin, alice over ids 1..6 (note 2 is bob's).
const NOTE_OWNERS = [2, 3, 2, 3, 1, 2];
const NOTE_SECRETS = [
  "Grandma's lemon cake: zest the lemons before juicing them",
  'The surprise party is on Friday, do not tell Carol',
  'Hide the spare bike key under the blue flower pot',
  'Chess opening to try: the Stonewall Dutch',
  'Quarterly budget draft, not for circulation yet',
  'Birthday gift idea: a sourdough starter kit',
];

const PRODUCT_COUNT = 24;
const ARTICLE_COUNT = 3;

/** Salted scrypt hash (hardened mode stores these; vulnerable mode stores plaintext). */
function hashPassword(password, salt) {
  const key = crypto.scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
  return `scrypt$${salt}$${key.toString('hex')}`;
}

function checkPassword(stored, password) {
  if (!stored.startsWith('scrypt$')) return stored === password;
  const [, salt, hex] = stored.split('$');
  const want = Buffer.from(hex, 'hex');
  const got = crypto.scryptSync(String(password), salt, 32, { N: 1024, r: 8, p: 1 });
  return crypto.timingSafeEqual(want, got);
}

const SCHEMA = `
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT NOT NULL UNIQUE, email TEXT NOT NULL,
  password TEXT NOT NULL, role TEXT NOT NULL DEFAULT 'user', is_admin INTEGER NOT NULL DEFAULT 0,
  display_name TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '', api_key TEXT NOT NULL
);
CREATE TABLE notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER NOT NULL, title TEXT NOT NULL,
  body TEXT NOT NULL, secret TEXT NOT NULL DEFAULT ''
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY AUTOINCREMENT, sku TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  price_cents INTEGER NOT NULL, stock INTEGER NOT NULL
);
CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY AUTOINCREMENT, owner_id INTEGER NOT NULL, url TEXT NOT NULL,
  event TEXT NOT NULL
);
`;

class Database {
  static async open(mode) {
    const SQL = await initSqlJs();
    const db = new Database(new SQL.Database(), mode);
    db.reseed();
    return db;
  }

  constructor(raw, mode) {
    this.raw = raw;
    this.mode = mode;
    this.reseeds = 0;
  }

  /** Drops every table, recreates the schema and inserts the seed. */
  reseed() {
    for (const t of ['users', 'notes', 'products', 'articles', 'webhooks', 'sqlite_sequence']) {
      if (t !== 'sqlite_sequence') this.raw.run(`DROP TABLE IF EXISTS ${t}`);
    }
    this.raw.run(SCHEMA);
    for (const u of USERS) {
      const stored = this.mode === 'hardened' ? hashPassword(u.password, `seed-${u.id}`) : u.password;
      const apiKey = `tgk_live_${crypto.createHash('sha256').update(`key-${u.username}`).digest('hex').slice(0, 32)}`;
      this.run(
        'INSERT INTO users (id, username, email, password, role, is_admin, display_name, phone, api_key) VALUES (?,?,?,?,?,?,?,?,?)',
        [u.id, u.username, u.email, stored, u.role, u.isAdmin, u.username[0].toUpperCase() + u.username.slice(1), u.phone, apiKey],
      );
    }
    NOTE_OWNERS.forEach((owner, i) => {
      this.run('INSERT INTO notes (id, owner_id, title, body, secret) VALUES (?,?,?,?,?)', [
        i + 1, owner, `Note ${i + 1}`, `Plain text of note ${i + 1}.`, NOTE_SECRETS[i],
      ]);
    });
    const names = ['Kettle', 'Teapot', 'Mug', 'Grinder', 'Scale', 'Filter', 'Carafe', 'Tin'];
    for (let i = 1; i <= PRODUCT_COUNT; i += 1) {
      this.run('INSERT INTO products (id, sku, name, price_cents, stock) VALUES (?,?,?,?,?)', [
        i, `SKU-${String(1000 + i)}`, `${names[i % names.length]} ${i}`, 500 + ((i * 137) % 4500), (i * 7) % 40,
      ]);
    }
    for (let i = 1; i <= ARTICLE_COUNT; i += 1) {
      this.run('INSERT INTO articles (id, title, body) VALUES (?,?,?)', [
        i, `Brewing guide ${i}`, `Step-by-step guide number ${i}.`,
      ]);
    }
    this.reseeds += 1;
  }

  /** Runs a statement with bound parameters. */
  run(sql, params = []) {
    this.raw.run(sql, params);
    return { changes: this.raw.getRowsModified() };
  }

  /** Every row of a query with bound parameters, as objects. */
  all(sql, params = []) {
    const stmt = this.raw.prepare(sql);
    try {
      stmt.bind(params);
      const rows = [];
      while (stmt.step()) rows.push(stmt.getAsObject());
      return rows;
    } finally {
      stmt.free();
    }
  }

  get(sql, params = []) {
    return this.all(sql, params)[0];
  }

  /**
   * VULNERABLE on purpose: runs SQL text built by string concatenation (no bound
   * parameters). Only vulnerable-mode handlers call it.
   */
  unsafeAll(sqlText) {
    const out = this.raw.exec(sqlText);
    if (out.length === 0) return [];
    const { columns, values } = out[0];
    return values.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
  }

  lastId() {
    return this.get('SELECT last_insert_rowid() AS id').id;
  }
}

module.exports = { Database, USERS, NOTE_OWNERS, hashPassword, checkPassword };
