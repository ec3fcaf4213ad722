/** Target 3a — Add call requests validated per second (the library's own check, in process). */
import { validateAddCallRequest } from "@gong-connector/schema";
import { validCall } from "./lib/calls.js";
import type { BenchOptions, BenchSection } from "./lib/report.js";
import { fixed, int, median } from "./lib/stats.js";

export interface ValidationResult {
  section: BenchSection;
  validPerSecond: number;
  invalidPerSecond: number;
}

/** A request breaking three rules (direction enum, purpose length, a party id the timeline names but no party has). */
function invalidCall(i: number): Record<string, unknown> {
  const call = validCall(`bench-invalid-${i}`, i);
  call.direction = "Sideways";
  call.purpose = "x".repeat(300);
  call.speakersTimeline = { speechSegments: [{ fromTime: 0, toTime: 10, partyIds: ["nobody"] }] };
  return call;
}

/** Validates distinct requests (fresh objects, so no caching can help) for about `ms` milliseconds; returns per second. */
function measure(make: (i: number) => Record<string, unknown>, expectOk: boolean, ms: number): number {
  const inputs = Array.from({ length: 1000 }, (_, i) => make(i));
  let done = 0;
  const started = process.hrtime.bigint();
  const budget = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < budget) {
    for (const input of inputs) {
      const r = validateAddCallRequest(input);
      if (r.ok !== expectOk) throw new Error(`validation gave ok=${r.ok}, expected ${expectOk}`);
    }
    done += inputs.length;
    elapsed = process.hrtime.bigint() - started;
  }
  return done / (Number(elapsed) / 1e9);
}

export function validationBench(opts: BenchOptions): Promise<ValidationResult> {
  const ms = opts.smoke ? 50 : 2000;
  measure((i) => validCall(`warm-${i}`, i), true, opts.smoke ? 20 : 500);
  measure(invalidCall, false, opts.smoke ? 20 : 500);
  const valid: number[] = [];
  const invalid: number[] = [];
  for (let run = 0; run < opts.runs; run++) {
    valid.push(measure((i) => validCall(`bench-valid-${run}-${i}`, i), true, ms));
    invalid.push(measure(invalidCall, false, ms));
    opts.log(`validation run ${run + 1}/${opts.runs}: ${int(valid.at(-1) ?? 0)}/s valid, ${int(invalid.at(-1) ?? 0)}/s invalid`);
  }
  const v = median(valid);
  const inv = median(invalid);
  const section: BenchSection = {
    id: "validation",
    title: "3a. Validation",
    method:
      `\`validateAddCallRequest\` (every CONTRACT.md rule, cross-field rules included) on 1,000 distinct requests in a loop for ` +
      `${ms / 1000} s per run, in one process after a warm-up. The valid request has two parties, a three-segment speakers ` +
      `timeline, a Salesforce context and a language code; the invalid one breaks three rules and gets every issue named.`,
    figures: [
      { name: "valid Add call requests validated per second", value: `${int(v)}/s`, raw: v, runs: valid.map((x) => int(x)) },
      { name: "time per valid request", value: `${fixed(1e6 / v, 1)} µs`, raw: 1e6 / v },
      { name: "invalid requests (3 issues each) refused per second", value: `${int(inv)}/s`, raw: inv, runs: invalid.map((x) => int(x)) },
    ],
    headline: [{ label: "Add call requests validated per second", value: `${int(v)}/s (${fixed(1e6 / v, 1)} µs each)` }],
  };
  return Promise.resolve({ section, validPerSecond: v, invalidPerSecond: inv });
}
