/** Validation and defaults for `vsphere-config` settings (flow JSON is a public interface). */
import { seconds, wholeNumber } from "../common/settings";
import { DEFAULT_MAX_RESPONSE_BYTES, MIB } from "./response-body";

export interface VsphereConfigSettings {
  /** largest vCenter response accepted, bytes */
  maxResponseBytes: number;
  /** time for one exchange with vCenter (headers and whole body), ms */
  requestTimeoutMs: number;
}

export const VSPHERE_CONFIG_DEFAULTS = {
  /** MiB: a 1,000-event page is about 1.5 MB; 32 MiB leaves ample room for large events */
  maxResponseSize: DEFAULT_MAX_RESPONSE_BYTES / MIB,
  /** seconds */
  timeout: 60,
};

export interface VsphereConfigInput {
  maxResponseSize?: unknown;
  timeout?: unknown;
}

export function parseConfigSettings(c: VsphereConfigInput): VsphereConfigSettings {
  const mib = wholeNumber("maxResponseSize", c.maxResponseSize, VSPHERE_CONFIG_DEFAULTS.maxResponseSize, 1, 1024);
  const timeout = seconds("timeout", c.timeout, VSPHERE_CONFIG_DEFAULTS.timeout, 1);
  if (timeout > 3600) throw new Error(`timeout must be a number of seconds from 1 to 3600 (got ${JSON.stringify(c.timeout)})`);
  return { maxResponseBytes: mib * MIB, requestTimeoutMs: Math.round(timeout * 1000) };
}
