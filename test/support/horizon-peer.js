'use strict';
/**
 * A VMware Horizon Connection Server's audit-event REST API for tests: real HTTP (or HTTPS with
 * a self-signed certificate) on 127.0.0.1, behaving as the reference describes
 * (../shared/reference/protocols.md §5, vmware-event-tools.md §4.1):
 *
 *   POST /rest/login    {domain, username, password} -> 200 {access_token, refresh_token};
 *                       400 when a field is missing, 401 for wrong credentials
 *   POST /rest/refresh  {refresh_token} -> 200 {access_token}; 400 when expired or unknown
 *   POST /rest/logout   {refresh_token} -> 200 (tokens revoked); 400 when expired or unknown
 *   GET  /rest/external/v1/audit-events   Bearer access token (401 when missing/expired/revoked)
 *        query `filter` (URL-encoded JSON: Between on time, Equals, And, Or), `page` and `size`
 *        (both or neither, size 1..1000, else 400); newest first (time desc, then id desc);
 *        response header HAS_MORE_RECORDS: true|false when paging; 409 while `dbConfigured` is false
 *
 * Tokens expire: `accessTtlMs` (default 30 min) and `refreshTtlMs` (default 8 h), changeable at
 * run time with setTtl(); expireAccessTokens() / expireRefreshTokens() expire them now.
 *
 * Events: peer.post(list) appends AuditEventSummary objects (id and time assigned when missing:
 * ids increase; times follow the clock and never go backwards in posting order, as a database's
 * would); peer.burst({count, perMs}) posts `count` events with `perMs` of them sharing each
 * millisecond. peer.events is the full list (insertion order).
 * peer.stats counts calls; peer.requests records {method, path, query, status} (bounded).
 */
const http = require('node:http');
const https = require('node:https');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

let certCache;
/** A self-signed certificate for 127.0.0.1 / localhost (openssl), made once per process. */
function selfSignedCert() {
  if (certCache) return certCache;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'horizon-peer-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  certCache = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  fs.rmSync(dir, { recursive: true, force: true });
  return certCache;
}

const TYPES = [
  ['BROKER_USERLOGGEDIN', 'INFO', 'Broker'],
  ['BROKER_USERLOGGEDOUT', 'INFO', 'Broker'],
  ['VLSI_USERLOGGEDIN', 'AUDIT_SUCCESS', 'Vlsi'],
  ['ADMIN_ADD_DESKTOP_ENTITLEMENT', 'AUDIT_SUCCESS', 'Admin'],
  ['BROKER_DESKTOP_REQUEST', 'INFO', 'Broker'],
  ['REST_AUTH_LOGIN_SUCCESS', 'AUDIT_SUCCESS', 'Rest'],
  ['BROKER_MACHINE_NOT_AVAILABLE', 'WARNING', 'Broker'],
  ['AGENT_CONNECTED', 'INFO', 'Agent'],
];

function token(kind) {
  // JWT-looking opaque tokens
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ kind, jti: crypto.randomUUID() })}.${crypto.randomBytes(16).toString('base64url')}`;
}

function matches(filter, ev) {
  if (filter === undefined) return true;
  switch (filter.type) {
    case 'Between': {
      const v = ev[filter.name];
      return typeof v === 'number' && v >= filter.fromValue && v <= filter.toValue;
    }
    case 'Equals':
      return ev[filter.name] === filter.value;
    case 'And':
      return filter.filters.every((f) => matches(f, ev));
    case 'Or':
      return filter.filters.some((f) => matches(f, ev));
    default:
      throw new Error(`unsupported filter type ${filter.type}`);
  }
}

function validFilter(f) {
  if (f === null || typeof f !== 'object') return false;
  if (f.type === 'Between') return typeof f.name === 'string' && Number.isFinite(f.fromValue) && Number.isFinite(f.toValue);
  if (f.type === 'Equals') return typeof f.name === 'string' && 'value' in f;
  if (f.type === 'And' || f.type === 'Or') return Array.isArray(f.filters) && f.filters.every(validFilter);
  return false;
}

async function startHorizonPeer(options = {}) {
  const creds = {
    domain: options.domain ?? 'CORP',
    username: options.username ?? 'svc-events',
    password: options.password ?? 'p@ss w0rd',
  };
  let accessTtlMs = options.accessTtlMs ?? 30 * 60 * 1000;
  let refreshTtlMs = options.refreshTtlMs ?? 8 * 3600 * 1000;
  const access = new Map(); // token -> {expires, refresh}
  const refresh = new Map(); // token -> {expires}
  const events = [];
  /** sorted newest first, rebuilt lazily */
  let sorted = null;
  let nextId = options.firstId ?? 1000;
  const stats = { login: 0, loginFailed: 0, refresh: 0, refreshRefused: 0, logout: 0, audit: 0, unauthorized: 0, badRequest: 0, conflict: 0 };
  const requests = [];
  const peer = { dbConfigured: true, delayMs: 0 };

  function record(r) {
    requests.push(r);
    if (requests.length > 10000) requests.splice(0, requests.length - 10000);
  }

  function send(res, status, body, headers = {}) {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function readJson(req) {
    return new Promise((resolve) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'));
        } catch {
          resolve(undefined);
        }
      });
      req.on('error', () => resolve(undefined));
    });
  }

  function newest() {
    if (sorted === null) sorted = events.slice().sort((a, b) => b.time - a.time || b.id - a.id);
    return sorted;
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://x');
    const entry = { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0, at: Date.now() };
    record(entry);
    const reply = (status, body, headers) => {
      entry.status = status;
      send(res, status, body, headers);
    };
    if (peer.delayMs > 0) await new Promise((r) => setTimeout(r, peer.delayMs));
    const now = Date.now();

    if (req.method === 'POST' && url.pathname === '/rest/login') {
      const b = await readJson(req);
      stats.login++;
      if (!b || typeof b.domain !== 'string' || typeof b.username !== 'string' || typeof b.password !== 'string') {
        stats.loginFailed++;
        return reply(400, { error_type: 'BAD_REQUEST', error_message: 'domain, username and password are required' });
      }
      if (b.domain.toLowerCase() !== creds.domain.toLowerCase() || b.username !== creds.username || b.password !== creds.password) {
        stats.loginFailed++;
        return reply(401, { error_type: 'UNAUTHORIZED', error_message: 'Invalid credentials' });
      }
      const rt = token('refresh');
      const at = token('access');
      refresh.set(rt, { expires: now + refreshTtlMs });
      access.set(at, { expires: now + accessTtlMs, refresh: rt });
      return reply(200, { access_token: at, refresh_token: rt });
    }
    if (req.method === 'POST' && url.pathname === '/rest/refresh') {
      const b = await readJson(req);
      stats.refresh++;
      const r = b && refresh.get(b.refresh_token);
      if (!r || r.expires <= now) {
        stats.refreshRefused++;
        return reply(400, { error_type: 'BAD_REQUEST', error_message: 'Refresh token is invalid or expired' });
      }
      const at = token('access');
      access.set(at, { expires: now + accessTtlMs, refresh: b.refresh_token });
      return reply(200, { access_token: at });
    }
    if (req.method === 'POST' && url.pathname === '/rest/logout') {
      const b = await readJson(req);
      stats.logout++;
      const r = b && refresh.get(b.refresh_token);
      if (!r || r.expires <= now) return reply(400, { error_type: 'BAD_REQUEST', error_message: 'Refresh token is invalid or expired' });
      refresh.delete(b.refresh_token);
      for (const [t, a] of access) if (a.refresh === b.refresh_token) access.delete(t);
      return reply(200);
    }
    if (req.method === 'GET' && url.pathname === '/rest/external/v1/audit-events') {
      stats.audit++;
      const m = /^Bearer (\S+)$/.exec(req.headers.authorization || '');
      const a = m && access.get(m[1]);
      if (!a || a.expires <= now) {
        stats.unauthorized++;
        return reply(401, { error_type: 'UNAUTHORIZED', error_message: 'Not authenticated' });
      }
      if (!peer.dbConfigured) {
        stats.conflict++;
        return reply(409, { error_type: 'CONFLICT', error_message: 'Event database is not configured' });
      }
      const q = url.searchParams;
      let filter;
      if (q.has('filter')) {
        try {
          filter = JSON.parse(q.get('filter'));
        } catch {
          filter = null;
        }
        if (!validFilter(filter)) {
          stats.badRequest++;
          return reply(400, { error_type: 'BAD_REQUEST', error_message: 'invalid filter' });
        }
      }
      const hasPage = q.has('page');
      const hasSize = q.has('size');
      if (hasPage !== hasSize) {
        stats.badRequest++;
        return reply(400, { error_type: 'BAD_REQUEST', error_message: 'page and size must be given together' });
      }
      let list = newest().filter((ev) => matches(filter, ev));
      if (!hasPage) return reply(200, list);
      const page = Number(q.get('page'));
      const size = Number(q.get('size'));
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(size) || size < 1 || size > 1000) {
        stats.badRequest++;
        return reply(400, { error_type: 'BAD_REQUEST', error_message: 'page must be ≥ 1 and size 1..1000' });
      }
      const start = (page - 1) * size;
      const more = list.length > start + size;
      list = list.slice(start, start + size);
      return reply(200, list, { HAS_MORE_RECORDS: String(more) });
    }
    return reply(404, { error_type: 'NOT_FOUND', error_message: `${req.method} ${url.pathname}` });
  }

  const listener = (req, res) => {
    handle(req, res).catch((err) => {
      try {
        send(res, 500, { error_message: String(err) });
      } catch {
        res.destroy();
      }
    });
  };
  const tls = options.tls === true;
  const server = tls ? https.createServer(selfSignedCert(), listener) : http.createServer(listener);
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;

  /** event times never go backwards in posting order (as a database clock would) */
  let lastTime = 0;
  function clock(t) {
    lastTime = Math.max(lastTime, t ?? Date.now());
    return lastTime;
  }

  function makeEvent(partial, i) {
    const [type, severity, module] = TYPES[(nextId + i) % TYPES.length];
    return {
      id: nextId++,
      type,
      severity,
      module,
      time: undefined,
      message: `User CORP\\user${nextId % 50} has ${type.toLowerCase().replace(/_/g, ' ')}`,
      machine_dns_name: 'cs01.corp.example.com',
      user_id: `S-1-5-21-1111-2222-3333-${1000 + (nextId % 50)}`,
      desktop_pool_name: nextId % 3 === 0 ? 'win11-pool' : undefined,
      ...partial,
    };
  }

  Object.assign(peer, {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    address: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    ...creds,
    events,
    stats,
    requests,
    /** append events (partial AuditEventSummary objects; id/time filled in); returns them */
    post(list) {
      const out = (Array.isArray(list) ? list : [list]).map((p, i) => {
        const ev = makeEvent(p, i);
        if (ev.time === undefined) ev.time = clock();
        else lastTime = Math.max(lastTime, ev.time);
        for (const k of Object.keys(ev)) if (ev[k] === undefined) delete ev[k];
        return ev;
      });
      events.push(...out);
      sorted = null;
      return out;
    },
    /**
     * Post `count` events at once: `perMs` of them share each millisecond, starting at the
     * peer's clock (now, or the last event's time if that is later); returns them.
     */
    burst({ count, perMs = 1 } = {}) {
      const base = clock();
      const list = [];
      for (let i = 0; i < count; i++) list.push({ time: base + Math.floor(i / perMs) });
      return peer.post(list);
    },
    setTtl({ accessMs, refreshMs }) {
      if (accessMs !== undefined) accessTtlMs = accessMs;
      if (refreshMs !== undefined) refreshTtlMs = refreshMs;
    },
    expireAccessTokens() {
      for (const a of access.values()) a.expires = 0;
    },
    expireRefreshTokens() {
      for (const r of refresh.values()) r.expires = 0;
    },
    /** sessions (refresh tokens) still valid */
    liveSessions() {
      const now = Date.now();
      return [...refresh.values()].filter((r) => r.expires > now).length;
    },
    reset() {
      events.length = 0;
      sorted = null;
      lastTime = 0;
      access.clear();
      refresh.clear();
      requests.length = 0;
      for (const k of Object.keys(stats)) stats[k] = 0;
      peer.dbConfigured = true;
      peer.delayMs = 0;
      accessTtlMs = options.accessTtlMs ?? 30 * 60 * 1000;
      refreshTtlMs = options.refreshTtlMs ?? 8 * 3600 * 1000;
    },
    stop() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  });
  return peer;
}

module.exports = { startHorizonPeer, selfSignedCert };
