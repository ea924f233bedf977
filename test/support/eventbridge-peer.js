"use strict";
/**
 * An AWS EventBridge stand-in for tests and benchmarks: real HTTP on 127.0.0.1, speaking the
 * AWS JSON 1.1 protocol the AWS SDK speaks (reference protocols.md §4.1-4.4):
 * `POST /` with `Content-Type: application/x-amz-json-1.1` and `X-Amz-Target: AWSEvents.<Op>`
 * for PutEvents, ListRules, DescribeRule, PutRule (and DeleteRule, CreateEventBus for set-up).
 * Errors are `{"__type": "<Code>", "message": "..."}` with a 4xx/5xx status and `x-amzn-RequestId`.
 *
 * Authentication: every request needs a syntactically valid SigV4 `Authorization` header
 * (`AWS4-HMAC-SHA256 Credential=<key>/<yyyymmdd>/<region>/events/aws4_request,
 * SignedHeaders=<a;b;c>, Signature=<64 hex>`) and a matching `X-Amz-Date`. With
 * `credentials: {<accessKeyId>: <secret>}` the signature is verified too (unknown key:
 * UnrecognizedClientException; wrong signature: InvalidSignatureException).
 *
 * PutEvents is checked as AWS checks it: 1-10 entries and a total entry size (AWS's formula)
 * below `maxBatchBytes` (default 256 KiB), else the whole request fails with
 * ValidationException; `DetailType` over 128 characters fails the request too. Per entry:
 * missing Source/DetailType/Detail → InvalidArgument; Detail that is not a JSON object, nests
 * deeper than 1000 levels or holds an integer outside int64 → MalformedDetail; an `aws.` source →
 * NotAuthorizedForSourceException; an unknown bus → ResourceNotFoundException. If every entry of a
 * request lacks a required field, the request fails (ValidationException).
 *
 * Scriptable:
 *   peer.failEntries((entry, info) => ({code, message}) | undefined)  per entry, info = {attempt, detail}
 *       (`attempt` counts PutEvents calls that carried the same Detail, from 1)
 *   peer.throttleEntries(pred, n, code = "ThrottlingException")        first n attempts of matching entries fail
 *   peer.failCalls(op, [{status, type, message, delayMs, destroy}])    whole calls, FIFO, per operation
 *   peer.setDelay(ms)                                                  every answer waits ms
 *   peer.putRule({Name, EventPattern, EventBusName, State, ...}) / deleteRule / createBus  (direct)
 *   options.pageSize                                                   caps ListRules pages (to force NextToken)
 *   options.order: "name" (default) | "created"                        ListRules order (AWS documents none)
 *
 * Records: peer.entries (accepted, with EventId, parsed `detail`, `call` index), peer.calls
 * (every request: {op, status, entries, bytes, failed}), peer.putEventsCalls, peer.counts[op].
 * `record: false` keeps counters only (acceptedCount, rejectedCount, counts): for benchmarks.
 *
 * Standalone (a child process for benchmarks): `node test/support/eventbridge-peer.js` starts one
 * with `record: false`, sends {url} over IPC (or prints it), answers {cmd: "stats"} with its
 * counters, {cmd: "reset"} clears them, exits on {cmd: "stop"}.
 */
const http = require("node:http");
const crypto = require("node:crypto");

const JSON_11 = "application/x-amz-json-1.1";
const DEFAULT_ACCOUNT = "123456789012";
const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request,\s*SignedHeaders=([a-z0-9-]+(?:;[a-z0-9-]+)*),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE_RE = /^(\d{8})T\d{6}Z$/;
const BUS_NAME_RE = /^[/.\-_A-Za-z0-9]{1,256}$/;
const BUS_ARN_RE = /^arn:aws[\w-]*:events:[a-z0-9-]*:\d{12}:event-bus\/([/.\-_A-Za-z0-9]+)$/;
const RULE_NAME_RE = /^[.\-_A-Za-z0-9]{1,64}$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

class AwsError extends Error {
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

function utf8(s) {
  return Buffer.byteLength(s, "utf8");
}

/** AWS's entry size: 14 if Time is set + UTF-8 bytes of Source, DetailType, Detail, Resources, TraceHeader. */
function entrySize(e) {
  let size = e.Time !== undefined && e.Time !== null ? 14 : 0;
  for (const k of ["Source", "DetailType", "Detail", "TraceHeader"]) if (typeof e[k] === "string") size += utf8(e[k]);
  if (Array.isArray(e.Resources)) for (const r of e.Resources) if (typeof r === "string") size += utf8(r);
  return size;
}

/**
 * Why EventBridge would call this Detail malformed, or undefined: not a JSON object, nesting
 * deeper than 1000, an integer literal outside int64.
 */
function detailProblem(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return "Detail is malformed.";
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "Detail is malformed.";
  // scan outside strings: depth and integer literals
  let depth = 0;
  let maxDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "{" || c === "[") {
      depth++;
      if (depth > maxDepth) maxDepth = depth;
    } else if (c === "}" || c === "]") {
      depth--;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (m && m[1] === undefined && m[2] === undefined) {
        const n = BigInt(m[0]);
        if (n > INT64_MAX || n < INT64_MIN) return "Detail is malformed.";
      }
      if (m) i += m[0].length - 1;
    }
  }
  if (maxDepth > 1000) return "Detail is malformed.";
  return undefined;
}

function hmac(key, data, enc) {
  return crypto.createHmac("sha256", key).update(data, "utf8").digest(enc);
}

function sha256(data) {
  return crypto.createHash("sha256").update(data).digest("hex");
}

class EventBridgePeer {
  constructor(options = {}) {
    this.region = options.region || "us-east-1";
    this.account = options.account || DEFAULT_ACCOUNT;
    this.maxBatchBytes = options.maxBatchBytes || 256 * 1024;
    this.pageSize = options.pageSize || 100;
    this.order = options.order || "name";
    this.credentials = options.credentials || null; // {accessKeyId: secret}
    this.record = options.record !== false;
    this.allInvalidFailsRequest = options.allInvalidFailsRequest !== false;
    this.server = null;
    this.url = null;
    this.sockets = new Set();
    this.buses = new Map(); // name -> Map(ruleName -> rule)
    this.resetRules();
    this.reset();
  }

  /** Clear records and scripts (rules and buses stay). */
  reset() {
    this.entries = [];
    this.calls = [];
    this.putEventsCalls = [];
    this.counts = {};
    this.attempts = new Map();
    this.entryRule = null;
    this.callScripts = new Map();
    this.delayMs = 0;
    this.acceptedCount = 0;
    this.rejectedCount = 0;
  }

  resetRules() {
    this.buses.clear();
    this.buses.set("default", new Map());
  }

  start() {
    return new Promise((resolve, reject) => {
      this.server = http.createServer((req, res) => this.handle(req, res));
      this.server.keepAliveTimeout = 5000;
      this.server.on("connection", (s) => {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
      });
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => {
        this.url = `http://127.0.0.1:${this.server.address().port}`;
        resolve(this.url);
      });
    });
  }

  stop() {
    if (!this.server) return Promise.resolve();
    const server = this.server;
    this.server = null;
    return new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  // ---- scripting -----------------------------------------------------------------------------

  failEntries(fn) {
    this.entryRule = fn;
  }

  /** The first `n` attempts of entries matching `pred(entry, detail)` fail with `code`. */
  throttleEntries(pred, n, code = "ThrottlingException") {
    this.entryRule = (entry, info) => (info.detail && pred(entry, info.detail) && info.attempt <= n ? { code, message: code === "ThrottlingException" ? "Rate exceeded" : "Internal failure" } : undefined);
  }

  /** Whole-call failures for `op`, FIFO: [{status, type, message, delayMs, destroy}] */
  failCalls(op, answers) {
    const list = this.callScripts.get(op) || [];
    list.push(...answers);
    this.callScripts.set(op, list);
  }

  setDelay(ms) {
    this.delayMs = ms;
  }

  createBus(name) {
    if (!this.buses.has(name)) this.buses.set(name, new Map());
    return `arn:aws:events:${this.region}:${this.account}:event-bus/${name}`;
  }

  ruleArn(name, bus = "default") {
    return `arn:aws:events:${this.region}:${this.account}:rule/${bus === "default" ? "" : bus + "/"}${name}`;
  }

  /** Same as the PutRule operation; returns the ARN. */
  putRule(input) {
    return this.opPutRule(typeof input.EventPattern === "object" && input.EventPattern !== null ? { ...input, EventPattern: JSON.stringify(input.EventPattern) } : input).RuleArn;
  }

  deleteRule(name, bus = "default") {
    const rules = this.buses.get(bus);
    if (rules) rules.delete(name);
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  handle(req, res) {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      this.dispatch(req, body).then(
        ({ status, json, op, destroy }) => {
          if (destroy) {
            req.socket.destroy();
            return;
          }
          const text = JSON.stringify(json);
          res.writeHead(status, {
            "content-type": JSON_11,
            "content-length": Buffer.byteLength(text),
            "x-amzn-requestid": crypto.randomUUID(),
          });
          res.end(text);
          this.counts[op] = (this.counts[op] || 0) + 1;
        },
        (err) => {
          res.writeHead(500, { "content-type": JSON_11 });
          res.end(JSON.stringify({ __type: "InternalException", message: String(err && err.message) }));
        },
      );
    });
  }

  async dispatch(req, body) {
    const target = String(req.headers["x-amz-target"] || "");
    const op = target.startsWith("AWSEvents.") ? target.slice("AWSEvents.".length) : target || "(none)";
    const call = { op, at: Date.now(), status: 200 };
    if (this.record) this.calls.push(call);
    const answer = (status, json, extra = {}) => {
      call.status = status;
      return { status, json, op, ...extra };
    };
    const fail = (err) => answer(err.status, { __type: err.type, message: err.message });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    try {
      if (req.method !== "POST" || req.url !== "/") throw new AwsError(404, "UnknownOperationException", "only POST / is served");
      this.checkAuth(req, body);
      const ct = String(req.headers["content-type"] || "").split(";")[0].trim().toLowerCase();
      if (ct !== JSON_11) throw new AwsError(400, "SerializationException", `expected Content-Type ${JSON_11}, got ${ct || "none"}`);
      if (!target.startsWith("AWSEvents.")) throw new AwsError(400, "UnknownOperationException", `unknown X-Amz-Target ${JSON.stringify(target)}`);
      let input;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
      } catch {
        throw new AwsError(400, "SerializationException", "the body is not JSON");
      }
      if (input === null || typeof input !== "object" || Array.isArray(input)) throw new AwsError(400, "SerializationException", "the body is not a JSON object");
      const script = this.callScripts.get(op);
      if (script && script.length > 0) {
        const s = script.shift();
        if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs));
        if (s.destroy) return answer(0, null, { destroy: true });
        if (op === "PutEvents") this.recordPutEvents(input, call, s.status);
        return fail(new AwsError(s.status || 500, s.type || "InternalException", s.message || "scripted failure"));
      }
      switch (op) {
        case "PutEvents":
          return answer(200, this.opPutEvents(input, call));
        case "ListRules":
          return answer(200, this.opListRules(input));
        case "DescribeRule":
          return answer(200, this.opDescribeRule(input));
        case "PutRule":
          return answer(200, this.opPutRule(input));
        case "DeleteRule":
          this.deleteRule(String(input.Name), this.busName(input.EventBusName));
          return answer(200, {});
        case "CreateEventBus":
          return answer(200, { EventBusArn: this.createBus(String(input.Name)) });
        default:
          throw new AwsError(400, "UnknownOperationException", `operation ${op} is not supported by this peer`);
      }
    } catch (err) {
      if (err instanceof AwsError) return fail(err);
      throw err;
    }
  }

  checkAuth(req, body) {
    const auth = req.headers.authorization;
    if (typeof auth !== "string" || auth === "") throw new AwsError(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
    const m = AUTH_RE.exec(auth);
    if (!m) throw new AwsError(400, "IncompleteSignatureException", `Authorization header is not a valid SigV4 header: ${auth.slice(0, 80)}`);
    const [, keyId, date, region, service, signedHeaders, signature] = m;
    if (service !== "events") throw new AwsError(403, "InvalidSignatureException", `Credential should be scoped to correct service: 'events', not '${service}'`);
    const amzDate = String(req.headers["x-amz-date"] || "");
    const dm = AMZ_DATE_RE.exec(amzDate);
    if (!dm) throw new AwsError(400, "IncompleteSignatureException", "X-Amz-Date is missing or not yyyymmddThhmmssZ");
    if (dm[1] !== date) throw new AwsError(403, "InvalidSignatureException", "Date in Credential scope does not match X-Amz-Date");
    const signed = signedHeaders.split(";");
    if (!signed.includes("host") || !signed.includes("x-amz-date")) {
      throw new AwsError(403, "InvalidSignatureException", "SignedHeaders must include host and x-amz-date");
    }
    const sorted = [...signed].sort();
    if (sorted.join(";") !== signedHeaders) throw new AwsError(403, "InvalidSignatureException", "SignedHeaders are not sorted");
    for (const h of signed) if (req.headers[h] === undefined) throw new AwsError(403, "InvalidSignatureException", `signed header ${h} is missing`);
    const payloadHash = sha256(body);
    const declared = req.headers["x-amz-content-sha256"];
    if (declared !== undefined && declared !== payloadHash && declared !== "UNSIGNED-PAYLOAD") {
      throw new AwsError(400, "InvalidSignatureException", "X-Amz-Content-Sha256 does not match the body");
    }
    if (this.credentials) {
      const secret = this.credentials[keyId];
      if (secret === undefined) throw new AwsError(400, "UnrecognizedClientException", "The security token included in the request is invalid.");
      if (region !== this.region) throw new AwsError(403, "InvalidSignatureException", `Credential should be scoped to a valid region, not '${region}'`);
      const canonicalHeaders = signed.map((h) => `${h}:${String(req.headers[h]).trim().replace(/\s+/g, " ")}\n`).join("");
      const canonical = ["POST", "/", "", canonicalHeaders, signedHeaders, declared === "UNSIGNED-PAYLOAD" ? declared : payloadHash].join("\n");
      const scope = `${date}/${region}/events/aws4_request`;
      const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
      const kSigning = hmac(hmac(hmac(hmac("AWS4" + secret, date), region), "events"), "aws4_request");
      const expected = hmac(kSigning, toSign, "hex");
      if (expected !== signature) {
        throw new AwsError(403, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided.");
      }
    }
  }

  busName(value) {
    if (value === undefined || value === null || value === "") return "default";
    const s = String(value);
    const arn = BUS_ARN_RE.exec(s);
    if (arn) return arn[1];
    if (!BUS_NAME_RE.test(s)) throw new AwsError(400, "ValidationException", `1 validation error detected: Value '${s}' at 'eventBusName' failed to satisfy constraint`);
    return s;
  }

  recordPutEvents(input, call, status) {
    const entries = Array.isArray(input.Entries) ? input.Entries : [];
    call.entries = entries.length;
    call.bytes = entries.reduce((n, e) => n + entrySize(e), 0);
    if (this.record) this.putEventsCalls.push({ entries: entries.length, bytes: call.bytes, status, failed: entries.length, accepted: 0 });
    if (this.tracksAttempts()) for (const e of entries) if (typeof e.Detail === "string") this.attempts.set(e.Detail, (this.attempts.get(e.Detail) || 0) + 1);
  }

  /** attempts per Detail are counted for scripted failures and records (not in counters-only mode) */
  tracksAttempts() {
    return this.record || this.entryRule !== null;
  }

  opPutEvents(input, call) {
    const entries = input.Entries;
    if (!Array.isArray(entries)) throw new AwsError(400, "ValidationException", "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
    if (entries.length < 1) throw new AwsError(400, "ValidationException", "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1");
    if (entries.length > 10) throw new AwsError(400, "ValidationException", `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10`);
    entries.forEach((e, i) => {
      if (e === null || typeof e !== "object") throw new AwsError(400, "SerializationException", `entry ${i + 1} is not an object`);
      if (typeof e.DetailType === "string" && e.DetailType.length > 128) {
        throw new AwsError(400, "ValidationException", `1 validation error detected: Value at 'entries.${i + 1}.member.detailType' failed to satisfy constraint: Member must have length less than or equal to 128`);
      }
      if (Array.isArray(e.Resources)) for (const r of e.Resources) if (typeof r !== "string" || r.length > 2048) throw new AwsError(400, "ValidationException", `entries.${i + 1}.member.resources: invalid resource`);
      if (e.Time !== undefined && typeof e.Time !== "number") throw new AwsError(400, "SerializationException", `entries.${i + 1}.Time must be epoch seconds`);
    });
    const bytes = entries.reduce((n, e) => n + entrySize(e), 0);
    call.entries = entries.length;
    call.bytes = bytes;
    if (bytes >= this.maxBatchBytes) {
      throw new AwsError(400, "ValidationException", "Total size of the entries in the request is over the limit.");
    }
    const results = entries.map((e) => this.checkEntry(e));
    if (this.allInvalidFailsRequest && results.every((r) => r !== undefined && r.code === "InvalidArgument")) {
      if (this.tracksAttempts()) for (const e of entries) if (typeof e.Detail === "string") this.attempts.set(e.Detail, (this.attempts.get(e.Detail) || 0) + 1);
      if (this.record) this.putEventsCalls.push({ entries: entries.length, bytes, status: 400, failed: entries.length, accepted: 0 });
      this.rejectedCount += entries.length;
      throw new AwsError(400, "ValidationException", `All entries in the request are invalid: ${results[0].message}`);
    }
    const index = this.putEventsCalls.length;
    const out = [];
    let failed = 0;
    entries.forEach((e, i) => {
      let problem = results[i];
      let attempt = 0;
      if (typeof e.Detail === "string" && this.tracksAttempts()) {
        attempt = (this.attempts.get(e.Detail) || 0) + 1;
        this.attempts.set(e.Detail, attempt);
      }
      if (problem === undefined && this.entryRule) {
        let detail;
        try {
          detail = JSON.parse(e.Detail);
        } catch {
          detail = undefined;
        }
        const scripted = this.entryRule(e, { attempt, detail });
        if (scripted) problem = { code: scripted.code, message: scripted.message || scripted.code };
      }
      if (problem !== undefined) {
        failed++;
        this.rejectedCount++;
        out.push({ ErrorCode: problem.code, ErrorMessage: problem.message });
        return;
      }
      const id = crypto.randomUUID();
      this.acceptedCount++;
      if (this.record) {
        this.entries.push({ ...e, EventId: id, detail: JSON.parse(e.Detail), call: index, attempt });
      }
      out.push({ EventId: id });
    });
    if (this.record) this.putEventsCalls.push({ entries: entries.length, bytes, status: 200, failed, accepted: entries.length - failed });
    return { FailedEntryCount: failed, Entries: out };
  }

  checkEntry(e) {
    for (const k of ["Source", "DetailType", "Detail"]) {
      if (typeof e[k] !== "string" || e[k] === "") return { code: "InvalidArgument", message: `Parameter ${k} is not valid. Reason: ${k} is a required argument.` };
    }
    let bus;
    try {
      bus = this.busName(e.EventBusName);
    } catch (err) {
      return { code: "InvalidArgument", message: err.message };
    }
    if (!this.buses.has(bus)) return { code: "ResourceNotFoundException", message: `Event bus ${bus} does not exist.` };
    if (e.Source.startsWith("aws.")) return { code: "NotAuthorizedForSourceException", message: `Not authorized for the source ${e.Source}.` };
    const malformed = detailProblem(e.Detail);
    if (malformed) return { code: "MalformedDetail", message: malformed };
    return undefined;
  }

  ruleOut(name, bus, rule) {
    const out = { Name: name, Arn: this.ruleArn(name, bus), State: rule.State, EventBusName: bus };
    if (rule.EventPattern !== undefined) out.EventPattern = rule.EventPattern;
    if (rule.ScheduleExpression !== undefined) out.ScheduleExpression = rule.ScheduleExpression;
    if (rule.Description !== undefined) out.Description = rule.Description;
    return out;
  }

  opListRules(input) {
    const bus = this.busName(input.EventBusName);
    const rules = this.buses.get(bus);
    if (!rules) throw new AwsError(400, "ResourceNotFoundException", `Event bus ${bus} does not exist.`);
    if (input.Limit !== undefined && (!Number.isInteger(input.Limit) || input.Limit < 1 || input.Limit > 100)) {
      throw new AwsError(400, "ValidationException", "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 1 and 100");
    }
    const prefix = typeof input.NamePrefix === "string" ? input.NamePrefix : "";
    let offset = 0;
    if (input.NextToken !== undefined) {
      let tok;
      try {
        tok = JSON.parse(Buffer.from(String(input.NextToken), "base64url").toString("utf8"));
      } catch {
        tok = null;
      }
      if (!tok || tok.bus !== bus || tok.prefix !== prefix || !Number.isInteger(tok.offset)) {
        throw new AwsError(400, "ValidationException", "The NextToken provided is invalid.");
      }
      offset = tok.offset;
    }
    const names = [...rules.keys()].filter((n) => n.startsWith(prefix));
    if (this.order === "name") names.sort();
    const size = Math.min(input.Limit || 100, this.pageSize);
    const page = names.slice(offset, offset + size);
    const out = { Rules: page.map((n) => this.ruleOut(n, bus, rules.get(n))) };
    if (offset + size < names.length) {
      out.NextToken = Buffer.from(JSON.stringify({ bus, prefix, offset: offset + size, nonce: crypto.randomBytes(4).toString("hex") })).toString("base64url");
    }
    return out;
  }

  opDescribeRule(input) {
    const bus = this.busName(input.EventBusName);
    if (typeof input.Name !== "string" || input.Name === "") throw new AwsError(400, "ValidationException", "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
    const rules = this.buses.get(bus);
    const rule = rules && rules.get(input.Name);
    if (!rule) throw new AwsError(400, "ResourceNotFoundException", `Rule ${input.Name} does not exist on EventBus ${bus}.`);
    return { ...this.ruleOut(input.Name, bus, rule), CreatedBy: this.account };
  }

  opPutRule(input) {
    const bus = this.busName(input.EventBusName);
    const rules = this.buses.get(bus);
    if (!rules) throw new AwsError(400, "ResourceNotFoundException", `Event bus ${bus} does not exist.`);
    if (typeof input.Name !== "string" || !RULE_NAME_RE.test(input.Name)) {
      throw new AwsError(400, "ValidationException", `1 validation error detected: Value '${input.Name}' at 'name' failed to satisfy constraint`);
    }
    if (input.EventPattern === undefined && input.ScheduleExpression === undefined) {
      throw new AwsError(400, "ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.");
    }
    if (input.EventPattern !== undefined) {
      let p;
      try {
        p = JSON.parse(String(input.EventPattern));
      } catch {
        throw new AwsError(400, "InvalidEventPatternException", "Event pattern is not valid. Reason: not JSON");
      }
      if (p === null || typeof p !== "object" || Array.isArray(p) || Object.keys(p).length === 0) {
        throw new AwsError(400, "InvalidEventPatternException", "Event pattern is not valid. Reason: Empty or non-object pattern");
      }
      if (String(input.EventPattern).length > 4096) throw new AwsError(400, "ValidationException", "EventPattern is longer than 4096 characters");
    }
    const state = input.State || "ENABLED";
    rules.set(input.Name, {
      EventPattern: input.EventPattern === undefined ? undefined : String(input.EventPattern),
      ScheduleExpression: input.ScheduleExpression,
      Description: input.Description,
      State: state,
    });
    return { RuleArn: this.ruleArn(input.Name, bus) };
  }
}

async function startEventBridgePeer(options) {
  const peer = new EventBridgePeer(options);
  await peer.start();
  return peer;
}

module.exports = { EventBridgePeer, startEventBridgePeer, entrySize, detailProblem };

if (require.main === module) {
  const peer = new EventBridgePeer({ record: false });
  peer.start().then((url) => {
    if (process.send) process.send({ url });
    else console.log(url);
  });
  process.on("message", (m) => {
    if (m && m.cmd === "stats") {
      process.send({ stats: { accepted: peer.acceptedCount, rejected: peer.rejectedCount, counts: peer.counts } });
    } else if (m && m.cmd === "reset") {
      peer.reset();
      process.send({ reset: true });
    } else if (m && m.cmd === "stop") {
      peer.stop().then(() => process.exit(0));
    }
  });
  process.on("disconnect", () => process.exit(0));
}
