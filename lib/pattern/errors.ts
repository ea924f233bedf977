/**
 * Error thrown by `compilePattern` for a pattern EventBridge would reject
 * (`InvalidEventPatternException`). The message names the offending place in the pattern
 * and the rule it breaks, e.g.
 *
 *   Invalid event pattern at detail.state[0]: prefix match pattern must be a string
 */

/** Stable identifiers of the invalid-pattern rules, for programmatic checks. */
export type InvalidPatternRule =
  | "json-syntax"
  | "not-object"
  | "empty-object"
  | "empty-array"
  | "field-value"
  | "match-value"
  | "match-expression-empty"
  | "match-expression-keys"
  | "unknown-operator"
  | "operand-type"
  | "unsupported-modifier"
  | "wildcard-consecutive"
  | "wildcard-escape"
  | "numeric"
  | "numeric-range"
  | "numeric-value"
  | "anything-but"
  | "anything-but-list"
  | "exists"
  | "cidr"
  | "or-syntax"
  | "or-reserved-field"
  | "or-combinations";

export class InvalidPatternError extends Error {
  /** where in the pattern, e.g. `detail.$or[1].state[0]` (`""` for the whole pattern) */
  readonly path: string;
  /** which rule is broken */
  readonly rule: InvalidPatternRule;
  /** the rule text without the location prefix */
  readonly reason: string;

  constructor(path: string, rule: InvalidPatternRule, reason: string) {
    super(`Invalid event pattern${path === "" ? "" : ` at ${path}`}: ${reason}`);
    this.name = "InvalidPatternError";
    this.path = path;
    this.rule = rule;
    this.reason = reason;
  }
}
