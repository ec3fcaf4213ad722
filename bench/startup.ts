/** Target 3b — `gong-connector --help` wall time as a ratio to `node -e ""`, measured alternately in the same run. */
import { runCli, runNode } from "./lib/proc.js";
import type { BenchOptions, BenchSection } from "./lib/report.js";
import { fixed, median, ms } from "./lib/stats.js";

export interface StartupResult {
  section: BenchSection;
  helpMs: number;
  nodeMs: number;
  ratio: number;
}

export async function startupBench(opts: BenchOptions): Promise<StartupResult> {
  const iterations = opts.smoke ? 2 : 15;
  const helpRuns: number[] = [];
  const nodeRuns: number[] = [];
  const ratios: number[] = [];
  await runCli(["--help"]);
  await runNode("-e", [""]);
  for (let run = 0; run < opts.runs; run++) {
    const help: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const h = await runCli(["--help"]);
      if (h.code !== 0 || !h.stdout.includes("Usage:")) throw new Error(`--help exited ${h.code}: ${h.stderr}`);
      help.push(h.wallMs);
      const n = await runNode("-e", [""]);
      if (n.code !== 0) throw new Error(`node -e "" exited ${n.code}`);
      bare.push(n.wallMs);
    }
    helpRuns.push(median(help));
    nodeRuns.push(median(bare));
    ratios.push(median(help) / median(bare));
    opts.log(`startup run ${run + 1}/${opts.runs}: --help ${ms(median(help))}, node -e "" ${ms(median(bare))}`);
  }
  const helpMs = median(helpRuns);
  const nodeMs = median(nodeRuns);
  const ratio = median(ratios);
  const section: BenchSection = {
    id: "startup",
    title: "3b. Start-up",
    method:
      `\`node packages/cli/dist/main.js --help\` and the reference \`node -e ""\` spawned alternately, ${iterations} times each per run; ` +
      `a run's figure is the median wall time (spawn to exit) and its ratio is taken between the two medians of that run.`,
    figures: [
      { name: "gong-connector --help wall time", value: ms(helpMs), raw: helpMs, runs: helpRuns.map((x) => ms(x)) },
      { name: 'node -e "" wall time (reference)', value: ms(nodeMs), raw: nodeMs, runs: nodeRuns.map((x) => ms(x)) },
      { name: "ratio --help ÷ node -e \"\"", value: `${fixed(ratio)}×`, raw: ratio, runs: ratios.map((x) => fixed(x)) },
    ],
    headline: [{ label: "`gong-connector --help` wall time (÷ `node -e \"\"`)", value: `${ms(helpMs)} (${fixed(ratio)}×)` }],
  };
  return { section, helpMs, nodeMs, ratio };
}
