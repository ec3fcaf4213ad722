/**
 * The CLI's test hooks, for end-to-end tests that would otherwise sleep through production waits:
 * GONG_CONNECTOR_TEST_TIME_SCALE scales the back-off between retries and the pause before a look-up (not a
 * Retry-After Gong sends, not the quota day). Spread FAST_WAITS into the environment of a CLI run that waits.
 */
export const TIME_SCALE_VARIABLE = "GONG_CONNECTOR_TEST_TIME_SCALE";
/** Waits at 1/100 of production: back-off from 10 ms, look-ups 20 ms after an ambiguous failure. */
export const FAST_WAITS: Readonly<Record<string, string>> = { [TIME_SCALE_VARIABLE]: "0.01" };
