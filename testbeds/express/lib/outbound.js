'use strict';
// Server-side HTTP fetching used by the link preview, the avatar proxy and the
// webhook pings.
//
// TESTBED SAFETY GUARD (both modes, not a product feature): the testbed only ever
// opens connections to loopback addresses. Destinations are never resolved through
// DNS: only 'localhost' and literal 127.0.0.0/8 or ::1 addresses are contacted (the
// connection's `lookup` hook refuses every other name without asking a resolver),
// redirects are re-checked hop by hop, environment proxies are never used (Node's
// http module ignores them), and anything else fails as if the connection had been
// refused. A scanner's SSRF probes aimed at e.g. 169.254.169.254 therefore produce
// an error, never traffic off this machine.

const http = require('node:http');
const https = require('node:https');
const net = require('node:net');

const FETCH_TIMEOUT_MS = 3000;
const MAX_BODY_BYTES = 256 * 1024;
const MAX_REDIRECTS = 3;

class BlockedDestination extends Error {
  constructor(host) {
    super(
      `connect ECONNREFUSED (testbed only reaches loopback; destination ${JSON.stringify(host)} not contacted)`,
    );
    this.code = 'ECONNREFUSED';
  }
}

function loopbackAddress(hostname) {
  const host = String(hostname || '').toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost') return { address: '127.0.0.1', family: 4 };
  if (net.isIPv4(host)) {
    return host.split('.')[0] === '127' ? { address: host, family: 4 } : null;
  }
  if (net.isIPv6(host)) {
    const v6 = host === '::1' || host === '0:0:0:0:0:0:0:1';
    const mapped = /^::ffff:127\.\d+\.\d+\.\d+$/.test(host);
    if (v6) return { address: '::1', family: 6 };
    if (mapped) return { address: host.slice(7), family: 4 };
  }
  return null;
}

/** Whether `raw` is an http(s) URL whose host is a loopback literal or localhost. */
function isLoopbackUrl(raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return loopbackAddress(url.hostname) !== null;
}

function check(raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new BlockedDestination(raw);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    const err = new Error(`unsupported URL scheme ${url.protocol}`);
    err.code = 'EPROTO';
    throw err;
  }
  if (loopbackAddress(url.hostname) === null) throw new BlockedDestination(url.hostname);
  return url;
}

// The connection's name lookup: answers loopback literals itself, refuses the rest.
function guardedLookup(hostname, options, callback) {
  const hit = loopbackAddress(hostname);
  if (!hit) {
    callback(new BlockedDestination(hostname));
    return;
  }
  if (options && options.all) callback(null, [hit]);
  else callback(null, hit.address, hit.family);
}

function requestOnce(url, { method, headers, body, timeoutMs, maxBytes }) {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      url,
      { method, headers, lookup: guardedLookup, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        let size = 0;
        res.on('data', (chunk) => {
          if (size >= maxBytes) return;
          const room = maxBytes - size;
          chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
          size += Math.min(chunk.length, room);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/**
 * Sends one request (GET unless told) and follows up to three redirects, checking
 * every hop. Resolves to {status, headers, body: Buffer} (HTTP error statuses
 * included); rejects on a refused destination, a timeout or a transport error.
 */
async function fetchUrl(raw, opts = {}) {
  const settings = {
    method: opts.method || 'GET',
    headers: opts.headers || {},
    body: opts.body,
    timeoutMs: opts.timeoutMs || FETCH_TIMEOUT_MS,
    maxBytes: opts.maxBytes || MAX_BODY_BYTES,
  };
  let url = check(raw);
  for (let hop = 0; ; hop += 1) {
    const res = await requestOnce(url, settings);
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.status) || !location || hop >= MAX_REDIRECTS) {
      return res;
    }
    url = check(new URL(location, url).toString());
    if (res.status === 303) {
      settings.method = 'GET';
      settings.body = undefined;
    }
  }
}

module.exports = { fetchUrl, isLoopbackUrl, BlockedDestination, FETCH_TIMEOUT_MS, MAX_BODY_BYTES };
