/**
 * Escaping as Go's encoders do it (lib/vsphere/event-data.ts): JSON string literals (Go's
 * HTML-safe form or JSON.stringify's), encoding/xml EscapeText, and base64 of a []byte.
 */

// eslint-disable-next-line no-control-regex
const GO_JSON_SPECIAL = /[<>&\u2028\u2029\u0008\u000c]/;
const HEX = "0123456789abcdef";

/** A JSON string literal: JSON.stringify's escaping, or Go's (HTML-safe) when goEscape. */
export function jsonStr(s: string, goEscape: boolean): string {
  if (!goEscape || !GO_JSON_SPECIAL.test(s)) return JSON.stringify(s);
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20) {
      if (c === 10) esc = "\\n";
      else if (c === 13) esc = "\\r";
      else if (c === 9) esc = "\\t";
      else esc = "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
    } else if (c === 34) esc = '\\"';
    else if (c === 92) esc = "\\\\";
    else if (c === 60) esc = "\\u003c";
    else if (c === 62) esc = "\\u003e";
    else if (c === 38) esc = "\\u0026";
    else if (c === 0x2028) esc = "\\u2028";
    else if (c === 0x2029) esc = "\\u2029";
    else if (c >= 0xd800 && c <= 0xdfff) {
      // a lone surrogate is invalid UTF-8 for Go: \ufffd; a pair passes through
      const hi = c <= 0xdbff;
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (hi && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      esc = "\\ufffd";
    }
    if (esc !== undefined) {
      out += s.slice(last, i) + esc;
      last = i + 1;
    }
  }
  return out + s.slice(last) + '"';
}

// characters Go's xml EscapeString rewrites; chars outside XML's Char production become U+FFFD
// eslint-disable-next-line no-control-regex
const XML_SPECIAL = /["'&<>\t\n\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/;

/** Go's encoding/xml EscapeString / EscapeText. */
export function xmlEsc(s: string): string {
  if (!XML_SPECIAL.test(s)) return s;
  let out = "";
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    switch (c) {
      case 34:
        esc = "&#34;";
        break;
      case 39:
        esc = "&#39;";
        break;
      case 38:
        esc = "&amp;";
        break;
      case 60:
        esc = "&lt;";
        break;
      case 62:
        esc = "&gt;";
        break;
      case 9:
        esc = "&#x9;";
        break;
      case 10:
        esc = "&#xA;";
        break;
      case 13:
        esc = "&#xD;";
        break;
      default:
        if (c < 0x20 || c === 0xfffe || c === 0xffff) {
          esc = "\uFFFD";
        } else if (c >= 0xd800 && c <= 0xdfff) {
          const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            i++;
            continue;
          }
          esc = "\uFFFD";
        }
    }
    if (esc !== undefined) {
      out += s.slice(last, i) + esc;
      last = i + 1;
    }
  }
  return out + s.slice(last);
}

export function base64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

