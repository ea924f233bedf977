/** Errors raised by the vSphere client, classified for recovery decisions. */

export type VsphereErrorKind =
  /** the session is gone (NotAuthenticated): log in again */
  | "session"
  /** wrong user name or password: retrying will not help until the config changes */
  | "login"
  /** network, TLS or HTTP status errors: retry with back-off */
  | "transport"
  /** a SOAP fault the server raised for this call (InvalidArgument, ManagedObjectNotFound, ...) */
  | "fault"
  /** the client was closed while the call was under way */
  | "closed";

/**
 * What a failure was, when the node shows it with a text of its own (an i18n key in
 * locales/<lang>/vsphere-config.json): a response past the size cap, or one that did not finish
 * in time.
 */
export type VsphereErrorCode = "response-too-large" | "response-too-slow";

export class VsphereError extends Error {
  override name = "VsphereError";
  constructor(
    message: string,
    readonly kind: VsphereErrorKind,
    /** SOAP fault type (e.g. NotAuthenticated) when there was one */
    readonly faultType?: string,
    /** HTTP status when the server answered */
    readonly statusCode?: number,
    /** set for failures with a text of their own (see VsphereErrorCode) */
    readonly code?: VsphereErrorCode,
    /** values for that text (e.g. the cap in MiB) */
    readonly params?: Readonly<Record<string, string | number>>,
  ) {
    super(message);
  }
}

/** Something that removes configured secrets from peer text (lib/common/scrub.ts). */
export interface TextScrubber {
  scrub(text: string): string;
}

/**
 * The same error with every configured secret removed from its message (an echoing server
 * must never get a password into status, logs or msg.error); the error itself when clean.
 */
export function scrubError(err: VsphereError, scrubber: TextScrubber | undefined): VsphereError {
  if (scrubber === undefined) return err;
  const message = scrubber.scrub(err.message);
  if (message === err.message) return err;
  return new VsphereError(message, err.kind, err.faultType, err.statusCode, err.code, err.params);
}

/** Faults whose meaning is "your session is not valid" on vCenter and govmomi's simulator. */
const SESSION_FAULTS = new Set(["NotAuthenticated", "NotAuthenticatedFault"]);
const LOGIN_FAULTS = new Set(["InvalidLogin", "InvalidLoginFault", "NoPermission"]);

export function faultError(faultType: string, faultString: string, statusCode?: number): VsphereError {
  const type = faultType.replace(/Fault$/, "");
  const kind: VsphereErrorKind = SESSION_FAULTS.has(faultType) || SESSION_FAULTS.has(type)
    ? "session"
    : LOGIN_FAULTS.has(faultType) || LOGIN_FAULTS.has(type)
      ? "login"
      : "fault";
  const text = faultString !== "" ? `${type}: ${faultString}` : type;
  return new VsphereError(text, kind, type, statusCode);
}

/** Whether a failed call may succeed when tried again later (possibly after a new login). */
export function isRecoverable(err: unknown): boolean {
  if (!(err instanceof VsphereError)) return true;
  return err.kind === "session" || err.kind === "transport" || err.kind === "fault";
}
