/**
 * vCenter address normalisation, as govmomi's `soap.ParseURL` does it: a missing scheme
 * becomes https, an empty path becomes /sdk, user information is never kept (the SDK URL is
 * the CloudEvent `source` and must not carry credentials).
 */
export class AddressError extends Error {
  override name = "AddressError";
}

export function normaliseSdkUrl(address: string): string {
  const raw = (address ?? "").trim();
  if (raw === "") throw new AddressError("vCenter address is empty");
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new AddressError(`vCenter address "${raw}" is not a host name or URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new AddressError(`vCenter address "${raw}" must use https (or http), not ${url.protocol}`);
  }
  if (url.hostname === "") throw new AddressError(`vCenter address "${raw}" has no host`);
  url.username = "";
  url.password = "";
  url.hash = "";
  url.search = "";
  if (url.pathname === "" || url.pathname === "/") url.pathname = "/sdk";
  return url.toString();
}
