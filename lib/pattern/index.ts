/**
 * The EventBridge pattern language, shared: eventbridge-out's rule filter (lib/eventbridge/rule.ts)
 * and the sources' content filters (lib/pattern/filter.ts) compile patterns here.
 */

export { compilePattern } from "./compile";
export type { CompiledPattern, CompileOptions, EventPattern } from "./compile";
export { MAX_OR_COMBINATIONS } from "./expand";
export { InvalidPatternError } from "./errors";
export type { InvalidPatternRule } from "./errors";
export { compileFilter, PASS_ALL } from "./filter";
export type { EventFilter, FilterCompileResult } from "./filter";
