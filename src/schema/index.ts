export * from "./call.js";
export * from "./json-schema.js";
export * from "./language-codes.js";
export * from "./media.js";
export * from "./primitives.js";
export * from "./responses.js";
export { crossFieldIssues, type CrossFieldIssue, type RuleProfile } from "./rules.js";
export * from "./validate.js";
