#!/usr/bin/env node
'use strict';
// Entry point of the Express testbed.
//
//   node serve.js --mode vulnerable|hardened --port P --state-dir DIR
//   node serve.js --print-openapi vulnerable|hardened     (the document, to stdout)
//
// Binds 127.0.0.1 only. At every start the database is re-created from the seed and
// DIR gets identities.json (users, passwords, ids) and openapi.json (the served
// document). Prints `TESTBED READY http://127.0.0.1:P (startup 0.42s)` once
// listening. Logs: DIR/requests.log (every request), DIR/state_changes.log (every
// request that changed state, whatever its method), DIR/mail.log (reset codes),
// DIR/access.log (hardened) or DIR/public-logs/access.log (vulnerable, served).

const started = process.hrtime.bigint();
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Database, USERS, NOTE_OWNERS } = require('./lib/db');
const { createApp } = require('./lib/app');
const { buildSpec } = require('./lib/spec');
const { issueToken, ISSUER, AUDIENCE, TOKEN_TTL_SECONDS } = require('./lib/auth');
const planted = require('./lib/planted');

function usage(message) {
  process.stderr.write(`${message}\nusage: node serve.js --mode vulnerable|hardened --port P --state-dir DIR\n       node serve.js --print-openapi vulnerable|hardened\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (!['--mode', '--port', '--state-dir', '--print-openapi'].includes(key) || value === undefined) {
      usage(`bad argument: ${key}`);
    }
    out[key.slice(2)] = value;
  }
  return out;
}

const MODES = ['vulnerable', 'hardened'];

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args['print-openapi']) {
    if (!MODES.includes(args['print-openapi'])) usage('--print-openapi needs vulnerable or hardened');
    process.stdout.write(`${JSON.stringify(buildSpec(args['print-openapi'], 'http://127.0.0.1:8000'), null, 2)}\n`);
    return;
  }
  const mode = args.mode;
  const port = Number(args.port);
  if (!MODES.includes(mode)) usage('--mode must be vulnerable or hardened');
  if (!Number.isInteger(port) || port < 1 || port > 65535) usage('--port must be a port number');
  if (!args['state-dir']) usage('--state-dir is required');
  const stateDir = path.resolve(args['state-dir']);
  fs.mkdirSync(stateDir, { recursive: true });
  const publicLogDir = path.join(stateDir, 'public-logs');
  if (mode === 'vulnerable') fs.mkdirSync(publicLogDir, { recursive: true });
  for (const f of ['requests.log', 'state_changes.log', 'mail.log', 'access.log', 'public-logs/access.log']) {
    fs.rmSync(path.join(stateDir, f), { force: true });
  }
  fs.writeFileSync(path.join(stateDir, 'state_changes.log'), '');

  const append = (file, line) => fs.appendFileSync(path.join(stateDir, file), `${line}\n`);
  const ctx = {
    mode,
    port,
    stateDir,
    publicLogDir,
    db: await Database.open(mode),
    // VULNERABLE: a short, date-like HMAC key; hardened: 512 random bits per start.
    secret: mode === 'vulnerable' ? planted.WEAK_JWT_SECRET : crypto.randomBytes(64),
    log: append,
    accessLog: (line) => append(mode === 'vulnerable' ? 'public-logs/access.log' : 'access.log', line),
    stateChange: (req, what) => append('state_changes.log', `${req.method} ${req.originalUrl} ${what}`),
    randomHex: (bytes) => crypto.randomBytes(bytes).toString('hex'),
    randomInt: (max) => crypto.randomInt(max),
  };

  const app = createApp(ctx);
  // Written before the port opens: whoever sees the port open finds them.
  const base = `http://127.0.0.1:${port}`;
  fs.writeFileSync(path.join(stateDir, 'openapi.json'), `${JSON.stringify(buildSpec(mode, base), null, 2)}\n`);
  fs.writeFileSync(
    path.join(stateDir, 'identities.json'),
    `${JSON.stringify(
      {
        mode,
        base_url: base,
        token_url: `${base}/token`,
        json_login_url: `${base}/api/auth/login`,
        token_ttl_seconds: TOKEN_TTL_SECONDS,
        iss: ISSUER,
        aud: AUDIENCE,
        users: USERS.map((u) => ({
          name: u.username,
          id: u.id,
          username: u.username,
          password: u.password,
          role: u.role,
          notes: NOTE_OWNERS.flatMap((owner, i) => (owner === u.id ? [i + 1] : [])),
        })),
      },
      null,
      2,
    )}\n`,
  );
  const server = app.listen(port, '127.0.0.1');
  server.on('error', (e) => {
    process.stderr.write(`listen 127.0.0.1:${port} failed: ${e.message} (address in use?)\n`);
    process.exit(1);
  });
  server.on('listening', () => {
    if (mode === 'vulnerable') {
      // The served access log starts with earlier traffic of admin and bob.
      for (const u of [USERS[0], USERS[2]]) {
        ctx.accessLog(`GET /api/me 200 Authorization: Bearer ${issueToken(ctx, u)}`);
      }
    }
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`TESTBED READY ${base} (startup ${secs.toFixed(2)}s)\n`);
  });
  const stop = () => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
