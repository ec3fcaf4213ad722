export * from "./schema/index.js";
export * from "./client/index.js";
export * from "./actions/index.js";
