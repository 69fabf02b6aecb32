#!/usr/bin/env node
'use strict';
// Self-check of the Express testbed: starts each mode on a free loopback port, probes
// every planted weakness (vulnerable must show it, hardened must not), stops the
// server and prints `N passed, M failed` (exit 1 on failure). Also checks that the
// committed openapi.json / openapi.hardened.json are current.
//   node testbeds/express/selfcheck.js

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { buildSpec } = require('./lib/spec');

const HERE = __dirname;
let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed += 1;
  else {
    failed += 1;
    process.stdout.write(`FAIL ${name} ${detail}\n`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function start(mode) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tollgate-express-selfcheck-${mode}-`));
  const child = spawn(process.execPath, [path.join(HERE, 'serve.js'), '--mode', mode, '--port', String(port), '--state-dir', dir], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode}: not ready in 30 s`)), 30000);
    child.stdout.on('data', (d) => {
      if (String(d).includes('TESTBED READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`${mode}: exited ${code}`)));
  });
  return { base: `http://127.0.0.1:${port}`, dir, child };
}

async function probes(mode, { base, dir }) {
  const V = mode === 'vulnerable';
  const req = async (method, url, { token, json, form, headers = {} } = {}) => {
    const h = { ...headers };
    let body;
    if (token) h.authorization = `Bearer ${token}`;
    if (json !== undefined) {
      h['content-type'] = 'application/json';
      body = JSON.stringify(json);
    }
    if (form) {
      h['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const t0 = Date.now();
    const res = await fetch(base + url, { method, headers: h, body, redirect: 'manual' });
    const text = await res.text();
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
    return { status: res.status, headers: res.headers, text, data, ms: Date.now() - t0 };
  };
  const login = async (username, password) => (await req('POST', '/token', { form: { grant_type: 'password', username, password } })).data.access_token;
  const alice = await login('alice', 'Alice-Express-2024!');
  const bob = await login('bob', 'Bob-Express-2024!');
  const admin = await login('admin', 'Admin-Express-2024!');
  const c = (name, vulnerableShows) => check(`${mode}: ${name}`, V ? vulnerableShows : !vulnerableShows);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = JSON.parse(Buffer.from(alice.split('.')[1], 'base64url').toString());

  check(`${mode}: login works`, typeof alice === 'string' && alice.startsWith('eyJ'));
  check(`${mode}: tokens last 60 s`, claims.exp - claims.iat === 60);
  const ids = JSON.parse(fs.readFileSync(path.join(dir, 'identities.json'), 'utf8'));
  check(`${mode}: identities.json`, ids.users.length === 3 && ids.users[1].password === 'Alice-Express-2024!');

  // issue 13
  const before = fs.readFileSync(path.join(dir, 'state_changes.log'), 'utf8').trim();
  check(`${mode}: no state change at start`, before === '', before);
  c('GET reseed changes state', (await req('GET', '/api/admin/reseed')).status === 200);
  const after = fs.existsSync(path.join(dir, 'state_changes.log')) ? fs.readFileSync(path.join(dir, 'state_changes.log'), 'utf8') : '';
  c('reseed recorded', after.includes('re-seeded'));
  c('query-string token', (await req('GET', `/api/me?access_token=${alice}`)).status === 200);
  c('alg none on reports', (await req('GET', '/api/reports/summary', { token: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: '2' })}.` })).status === 200);
  c('garbage signature on reports', (await req('GET', '/api/reports/summary', { token: `${alice.split('.').slice(0, 2).join('.')}.AAAA` })).status === 200);
  const jwt = require('./lib/jwt');
  c('weak secret forges', (await req('GET', '/api/me', { token: jwt.sign({ sub: '2', exp: claims.exp }, '20240614') })).status === 200);
  const debug = await req('GET', '/debug');
  c('debug 301', debug.status === 301 && debug.headers.get('location') === '/debug/');
  c('debug dump', (await req('GET', '/debug/')).text.includes('ghp_'));
  const unknown = await req('POST', '/token', { form: { grant_type: 'password', username: 'nobody', password: 'x' } });
  const wrong = await req('POST', '/token', { form: { grant_type: 'password', username: 'bob', password: 'x' } });
  c('login enumeration', unknown.text !== wrong.text);
  const adminUsers = await req('GET', '/api/admin/users', { token: alice });
  c('BFLA admin users', adminUsers.status === 200);
  c('plaintext password field', adminUsers.text.includes('Alice-Express-2024!'));
  check(`${mode}: own user object readable (trap)`, (await req('GET', '/api/users/2', { token: alice })).status === 200);
  check(`${mode}: other user object not readable`, (await req('GET', '/api/users/3', { token: alice })).status === 404);
  check(`${mode}: note secret returned to its owner (trap)`, (await req('GET', '/api/notes/1', { token: alice })).data.secret.length > 0);
  c('access log with bearer', (await req('GET', '/logs/access.log')).text.includes('Authorization: Bearer eyJ'));
  const index = await req('GET', '/api');
  check(`${mode}: HAL index links the directory`, index.data._links.directory.href === '/api/directory');
  c('directory anonymous', (await req('GET', '/api/directory')).status === 200);
  c('export stack trace', /at .*app\.js/.test((await req('GET', '/api/articles/export')).text));
  c('products/abc stack trace', /BigInt[\s\S]*at /.test((await req('GET', '/api/products/abc')).text));
  const me = await req('GET', '/api/me', { token: alice });
  c('avatar proxy fetches any URL', (await req('GET', `/api/media/proxy?src=${encodeURIComponent(`${base}/css/site.css`)}`)).text.includes('font-family'));
  check(`${mode}: avatar_url field names the proxy`, me.data.avatar_url.includes('/api/media/proxy?src='));
  c('status leaks AWS keys', (await req('GET', '/api/status')).text.includes('AKIA'));
  c('internal users', (await req('GET', '/api/internal/users')).status === 200);
  for (const o of ['https://evilshop.tollgate.test', 'https://shop.tollgate.test.attacker.invalid', 'https://appXshop.tollgate.test', 'null', 'http://shop.tollgate.test', 'http://127.0.0.1.attacker.invalid']) {
    const r = await req('GET', '/api/products', { headers: { origin: o } });
    c(`CORS reflects ${o}`, r.headers.get('access-control-allow-origin') === o);
  }
  check(`${mode}: CORS refuses an arbitrary origin`, !(await req('GET', '/api/products', { headers: { origin: 'https://attacker.invalid' } })).headers.get('access-control-allow-origin'));

  // issue 14
  c('BOLA write note', (await req('PATCH', '/api/notes/2', { token: alice, json: { title: 'owned' } })).status === 200);
  c('BOLA change email', (await req('PATCH', '/api/users/3', { token: alice, json: { email: 'x@attacker.invalid' } })).status === 200);
  c('BFLA write product', (await req('PUT', '/api/products/3', { token: alice, json: { sku: 'SKU-1003', name: 'x', price_cents: 1, stock: 1 } })).status === 200);
  check(`${mode}: admin writes products`, (await req('PUT', '/api/products/4', { token: admin, json: { sku: 'SKU-1004', name: 'y', price_cents: 1, stock: 1 } })).status === 200);
  const reg = await req('POST', '/api/users', { json: { username: `carol${mode[0]}`, email: 'c@shop.tollgate.test', password: 'Carol-1', role: 'admin', isAdmin: true } });
  c('mass assignment on register', reg.status === 201 && reg.data.isAdmin === true);
  const prof = await req('PATCH', '/api/me', { token: bob, json: { role: 'admin' } });
  c('mass assignment on profile', prof.status === 200 && prof.data.role === 'admin');
  const sqli = await req('GET', "/api/products/search?q='");
  c('SQLi error-based', sqli.status === 500 && sqli.text.includes('SQLITE_ERROR'));
  const t = await req('GET', `/api/products/lookup?sku=${encodeURIComponent("SKU-1001' AND '1'='1")}`);
  const f = await req('GET', `/api/products/lookup?sku=${encodeURIComponent("SKU-1001' AND '1'='2")}`);
  c('SQLi boolean-based', t.status === 200 && f.status === 404);
  c('command injection', (await req('POST', '/api/tools/checksum', { token: alice, json: { text: '"; echo TGMARK-$((6*7)); "' } })).text.includes('TGMARK-42'));
  check(`${mode}: checksum works`, /^\d+ \d+$/.test((await req('POST', '/api/tools/checksum', { token: alice, json: { text: 'hello' } })).data.checksum.split('\n').pop()));
  c('SSTI', (await req('GET', '/api/greeting?name=%7B%7B7*7%7D%7D')).text.includes('49'));
  c('NoSQL login', (await req('POST', '/api/auth/login', { json: { username: 'alice', password: { $ne: null } } })).status === 200);
  const short = await req('POST', '/api/accounts/validate', { json: { username: 'aaaa!' } });
  const long = await req('POST', '/api/accounts/validate', { json: { username: `${'a'.repeat(23)}!` } });
  c('ReDoS', long.ms > short.ms + 100, `${short.ms} ms vs ${long.ms} ms`);
  check(`${mode}: ReDoS input capped`, (await req('POST', '/api/accounts/validate', { json: { username: 'a'.repeat(30) } })).status === 400);
  const prev = await req('POST', '/api/previews', { token: alice, json: { url: `${base}/css/site.css` } });
  c('SSRF body data URL', prev.status === 200 && prev.data.preview.startsWith('data:text/css;base64,'));
  const blocked = await req('POST', '/api/previews', { token: alice, json: { url: 'http://169.254.169.254/latest/meta-data/' } });
  check(`${mode}: metadata address not contacted`, V ? blocked.text.includes('not contacted') : blocked.status === 400);
  const before2 = (await req('GET', '/api/products')).status;
  check(`${mode}: catalogue public`, before2 === 200);
  const hook = await req('POST', '/api/webhooks', { token: alice, json: { url: `${base}/api/session`, event: 'note.created' } });
  c('webhook pinged', hook.status === 201 && String(hook.data.ping).startsWith('delivered'));
  await req('POST', '/api/password-reset', { json: { username: 'bob' } });
  let limited = false;
  for (let i = 0; i < 6; i += 1) {
    const r = await req('POST', '/api/password-reset/confirm', { json: { username: 'bob', code: 'abcd', new_password: 'x' } });
    if (r.status === 429) limited = true;
  }
  c('reset code attempts unlimited', !limited);
  c('4-digit code', /code=\d{4}$/m.test(fs.readFileSync(path.join(dir, 'mail.log'), 'utf8')));

  // headers and noise traps
  const home = await req('GET', '/');
  c('no nosniff', !home.headers.get('x-content-type-options'));
  c('frameable HTML', !home.headers.get('x-frame-options'));
  c('x-powered-by', home.headers.get('x-powered-by') === 'Express');
  c('authenticated response cacheable', !(me.headers.get('cache-control') || '').includes('no-store'));
  c('unbounded limit', (await req('GET', '/api/products?limit=10000')).data._links.self.href.endsWith('limit=10000'));
  check(`${mode}: favicon served`, (await req('GET', '/favicon.ico')).status === 200);
  check(`${mode}: session varies on Cookie`, (await req('GET', '/api/session')).headers.get('vary').includes('Cookie'));
  const opt = await req('OPTIONS', '/api/products/1');
  check(`${mode}: Express answers OPTIONS with Allow`, (opt.headers.get('allow') || '').includes('DELETE'), opt.status);
  check(`${mode}: expired tokens refused on /api/me`, (await req('GET', '/api/me', { token: jwt.sign({ sub: '2', exp: 1 }, '20240614') })).status === 401);
}

async function main() {
  for (const mode of ['vulnerable', 'hardened']) {
    const file = path.join(HERE, mode === 'vulnerable' ? 'openapi.json' : 'openapi.hardened.json');
    const want = `${JSON.stringify(buildSpec(mode, 'http://127.0.0.1:8000'), null, 2)}\n`;
    check(`${path.basename(file)} is current (node serve.js --print-openapi ${mode})`, fs.readFileSync(file, 'utf8') === want);
    const bed = await start(mode);
    try {
      await probes(mode, bed);
    } catch (e) {
      check(`${mode}: probes ran`, false, e.stack);
    } finally {
      bed.child.kill('SIGTERM');
      await new Promise((r) => {
        if (bed.child.exitCode !== null) r();
        else bed.child.on('exit', r);
      });
      fs.rmSync(bed.dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(failed ? 1 : 0);
}

main();
