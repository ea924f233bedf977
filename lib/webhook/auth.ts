/**
 * Optional HTTP Basic authentication for `cloudevent-in`, as the VMware Event Router's webhook
 * provider does it: user name and password are each hashed with SHA-256 and the digests are
 * compared in constant time, so neither the comparison nor the lengths leak through timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export const WWW_AUTHENTICATE = 'Basic realm="cloudevent-in", charset="UTF-8"';

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

export class BasicAuth {
  private readonly user: Buffer;
  private readonly pass: Buffer;

  constructor(username: string, password: string) {
    this.user = digest(username);
    this.pass = digest(password);
  }

  /** Whether an `Authorization` header value carries these credentials. */
  check(header: string | string[] | undefined): boolean {
    if (typeof header !== "string") return false;
    const m = /^\s*basic\s+([A-Za-z0-9+/=._~-]{1,8192})\s*$/i.exec(header);
    if (m === null) return false;
    const decoded = Buffer.from(m[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    // evaluate both comparisons always: no early exit on a wrong user name
    const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), this.user);
    const passOk = timingSafeEqual(digest(decoded.slice(colon + 1)), this.pass);
    return userOk && passOk;
  }
}

/** Basic auth when a user name or a password is configured; none when both are empty. */
export function basicAuthFor(username: string | undefined, password: string | undefined): BasicAuth | undefined {
  if ((username ?? "") === "" && (password ?? "") === "") return undefined;
  return new BasicAuth(username ?? "", password ?? "");
}
