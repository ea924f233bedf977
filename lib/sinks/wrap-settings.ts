/**
 * `type`/`source` for payloads that are not CloudEvents, as every sink node configures them.
 */
import { ConfigError } from "../common/settings";
import { wrapAsCloudEvent, type WrapOptions } from "../cloudevents/event";

export const DEFAULT_CE_TYPE = "org.nodered.message";

/**
 * Blank gives the defaults. Checked by building a sample event, so a bad value is reported at
 * deploy time, not per message.
 */
export function wrapSettings(ceType: unknown, ceSource: unknown, defaultSource: string): WrapOptions {
  const type = typeof ceType === "string" && ceType.trim() !== "" ? ceType.trim() : DEFAULT_CE_TYPE;
  const source = typeof ceSource === "string" && ceSource.trim() !== "" ? ceSource.trim() : defaultSource;
  try {
    wrapAsCloudEvent(undefined, { type, source });
  } catch (err) {
    throw new ConfigError(`CloudEvent type/source for wrapped payloads: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { type, source };
}
