/**
 * Secrets out of peer-supplied text. A server or proxy that echoes the request back (an error
 * page quoting the `Authorization` header, a JSON body repeating the login) would otherwise put
 * a configured password into node status, log lines, `msg.error` or metrics. Every text that
 * comes from a peer and is shown or logged passes through a `Scrubber` built from the node's
 * configured secrets.
 *
 * Each secret is removed in the forms an echo may carry: as is, base64 (alone, and as HTTP
 * basic auth `user:password`), percent-encoded (URL or form encoding), JSON-escaped, and
 * XML-escaped.
 */

export const REDACTED = "[redacted]";

/** Secrets shorter than this are not searched for (they would redact ordinary words). */
const MIN_SECRET_LENGTH = 3;

function base64(s: string): string {
  return Buffer.from(s, "utf8").toString("base64");
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** The spellings of one secret that an echo may contain. */
function formsOf(secret: string): string[] {
  const forms = new Set<string>([secret]);
  forms.add(encodeURIComponent(secret));
  forms.add(encodeURIComponent(secret).replace(/%20/g, "+"));
  forms.add(JSON.stringify(secret).slice(1, -1));
  forms.add(xmlEscape(secret));
  const b64 = base64(secret);
  forms.add(b64);
  forms.add(b64.replace(/=+$/, ""));
  return [...forms];
}

export class Scrubber {
  private readonly forms: string[];

  /**
   * @param secrets configured secrets (passwords, tokens, access keys); empty ones are ignored
   * @param logins  user/password pairs sent as HTTP basic auth (their base64 form is removed too)
   */
  constructor(secrets: readonly (string | undefined)[], logins: readonly { username?: string; password?: string }[] = []) {
    const all = new Set<string>();
    for (const s of secrets) {
      if (typeof s === "string" && s.length >= MIN_SECRET_LENGTH) for (const f of formsOf(s)) all.add(f);
    }
    for (const l of logins) {
      if (typeof l.password !== "string" || l.password === "") continue;
      const pair = base64(`${l.username ?? ""}:${l.password}`);
      all.add(pair);
      all.add(pair.replace(/=+$/, ""));
    }
    // longest first, so a form that contains another is removed whole
    this.forms = [...all].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  }

  /** Whether there is anything to remove. */
  get empty(): boolean {
    return this.forms.length === 0;
  }

  /** `text` with every form of every secret replaced by `[redacted]`. */
  scrub(text: string): string {
    let out = text;
    for (const f of this.forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
    return out;
  }

  /** A copy of a JSON-like value with every string scrubbed (depth-bounded, iterative). */
  scrubValue<T>(value: T): T {
    if (this.empty) return value;
    if (typeof value === "string") return this.scrub(value) as unknown as T;
    if (value === null || typeof value !== "object") return value;
    const root: unknown = Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) };
    const stack: object[] = [root as object];
    let budget = 100_000; // values from peers are bounded; a cyclic or huge one is cut off
    while (stack.length > 0 && budget-- > 0) {
      const v = stack.pop() as Record<string, unknown>;
      for (const k of Object.keys(v)) {
        const c = v[k];
        if (typeof c === "string") v[k] = this.scrub(c);
        else if (c !== null && typeof c === "object" && !Buffer.isBuffer(c)) {
          const copy = Array.isArray(c) ? [...(c as unknown[])] : { ...c };
          v[k] = copy;
          stack.push(copy);
        }
      }
    }
    return root as T;
  }
}

/** A scrubber that removes nothing (nodes without secrets). */
export const NO_SECRETS = new Scrubber([]);
