/**
 * IP addresses and CIDR blocks the way EventBridge (aws/event-ruler) reads them.
 *
 * A string is an IP address candidate only if it looks like `d+.d+.d+.d+` (IPv4) or consists
 * of hex digits and colons with at least one colon (IPv6, no embedded dotted quad, no zone);
 * it is an address if it then parses: IPv4 octets 0–255 (decimal, leading zeros allowed), IPv6 with at
 * most one `::` standing for at least one zero group, groups ≤ 0xffff. An IPv4-mapped IPv6
 * address (`::ffff:a00:1`) is the IPv4 address (as Java's InetAddress does).
 *
 * Addresses are compared as fixed-width upper-case hex strings (8 digits for IPv4, 32 for
 * IPv6), so a range test is two string comparisons; IPv4 and IPv6 never match each other.
 */

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX = "0123456789ABCDEF";

/** An IP address: its bytes (4 or 16). */
export type IpBytes = number[];

export function looksLikeIp(s: string): boolean {
  return IPV4_SHAPE.test(s) || IPV6_SHAPE.test(s);
}

/**
 * Octets are decimal whatever their leading zeros (`010.000.000.005` is 10.0.0.5), as Java's
 * InetAddress reads them for event-ruler; a value above 255 is no address.
 */
function parseV4(s: string): IpBytes | null {
  const out: number[] = [];
  let v = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      out.push(v);
      v = 0;
    } else {
      v = v * 10 + (c - 0x30); // IPV4_SHAPE admits only digits and dots
      if (v > 255) return null;
    }
  }
  return out;
}

function parseGroups(part: string): number[] | null {
  if (part === "") return [];
  const groups = part.split(":");
  const out: number[] = [];
  for (const g of groups) {
    if (g === "") return null;
    // Java accepts any number of hex digits as long as the value fits 16 bits
    let v = 0;
    for (let i = 0; i < g.length; i++) {
      v = v * 16 + parseInt(g[i], 16);
      if (v > 0xffff) return null;
    }
    out.push(v);
  }
  return out;
}

function parseV6(s: string): IpBytes | null {
  const dbl = s.indexOf("::");
  let groups: number[];
  if (dbl < 0) {
    const g = parseGroups(s);
    if (g === null || g.length !== 8) return null;
    groups = g;
  } else {
    if (s.indexOf("::", dbl + 1) >= 0) return null;
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (head === null || tail === null) return null;
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  // IPv4-mapped (::ffff:a.b.c.d) becomes the IPv4 address
  let mapped = bytes[10] === 0xff && bytes[11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) if (bytes[i] !== 0) mapped = false;
  return mapped ? bytes.slice(12) : bytes;
}

/** The address bytes, or null when `s` is not an IP address literal. */
export function parseIp(s: string): IpBytes | null {
  if (IPV4_SHAPE.test(s)) return parseV4(s);
  if (IPV6_SHAPE.test(s)) return parseV6(s);
  return null;
}

export function bytesToHex(bytes: IpBytes): string {
  let out = "";
  for (const b of bytes) out += HEX[b >> 4] + HEX[b & 15];
  return out;
}

/** Fixed-width hex form of an IP address literal, or null. */
export function ipToHex(s: string): string | null {
  const b = parseIp(s);
  return b === null ? null : bytesToHex(b);
}

export interface IpRange {
  /** inclusive bounds, same width */
  lo: string;
  hi: string;
}

/**
 * Parse a `cidr` operand. Throws an Error whose message is the rule broken (the caller adds
 * the location). Follows event-ruler: exactly one `/` (Java `split` drops trailing empty
 * parts), an integer mask, IPv4 masks 0–31 and IPv6 masks 0–127 (a /32 or /128 block is
 * written as the plain address instead).
 */
export function parseCidr(cidr: string): IpRange {
  const parts = cidr.split("/");
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length !== 2) throw new Error(`malformed CIDR ${JSON.stringify(cidr)}: exactly one '/' required`);
  if (!/^[+-]?[0-9]+$/.test(parts[1])) throw new Error(`malformed CIDR ${JSON.stringify(cidr)}: mask bits must be an integer`);
  const mask = Number(parts[1]);
  if (mask > 2147483647 || mask < -2147483648) throw new Error(`malformed CIDR ${JSON.stringify(cidr)}: mask bits must be an integer`);
  if (mask < 0) throw new Error(`malformed CIDR ${JSON.stringify(cidr)}: mask bits must not be negative`);
  if (!looksLikeIp(parts[0])) throw new Error(`nonstandard IP address ${JSON.stringify(parts[0])} in CIDR`);
  const ip = parseIp(parts[0]);
  if (ip === null) throw new Error(`invalid IP address ${JSON.stringify(parts[0])} in CIDR`);
  if (ip.length === 4 && mask > 31) throw new Error(`IPv4 mask bits must be < 32 (got ${mask})`);
  if (ip.length === 16 && mask > 127) throw new Error(`IPv6 mask bits must be < 128 (got ${mask})`);
  const lo: number[] = [];
  const hi: number[] = [];
  for (let i = 0; i < ip.length; i++) {
    const fixed = Math.min(8, Math.max(0, mask - i * 8)); // bits of this byte inside the prefix
    const hostMask = fixed === 8 ? 0 : 0xff >> fixed;
    lo.push(ip[i] & ~hostMask & 0xff);
    hi.push(ip[i] | hostMask);
  }
  return { lo: bytesToHex(lo), hi: bytesToHex(hi) };
}
