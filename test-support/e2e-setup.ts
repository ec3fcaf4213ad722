import { ensureFreshDist } from "./dist.js";

/** End-to-end tests run the built CLI: build first when some dist/ is older than its src/. */
export default function setup(): void {
  ensureFreshDist();
}
