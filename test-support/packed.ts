/**
 * The workspace packages as a consumer gets them, for the tests in e2e/packages: tarballs made by `npm pack`, a
 * command run without blocking the test worker, and a type-check of a consumer project.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "./dist.js";
import { runProcess as exec } from "./run-cli.js";

export { runProcess as exec, type ProcessResult as ExecResult } from "./run-cli.js";

/** npm's environment for these tests: no audit, no funding message, no update check. */
export const NPM_ENV: NodeJS.ProcessEnv = { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };

export type PackedName = "schema" | "client" | "sandbox" | "importer" | "serve" | "cli";

/** Every file of a package's folder but node_modules, relative to it, sorted. */
function packageFiles(dir: string, under = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, under), { withFileTypes: true })) {
    const path = under === "" ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) {
      if (path !== "node_modules") out.push(...packageFiles(dir, path));
    } else out.push(path);
  }
  return out.sort();
}

/** A sha256 of every file of the packages' folders (names and contents): what `npm pack` can put in their tarballs. */
function contentKey(names: readonly PackedName[]): string {
  const hash = createHash("sha256");
  for (const name of names) {
    const dir = join(ROOT, "packages", name);
    for (const file of packageFiles(dir)) hash.update(`${name}/${file}\0`).update(readFileSync(join(dir, file))).update("\0");
  }
  return hash.digest("hex").slice(0, 32);
}

/**
 * The tarballs `npm pack` makes of the named workspace packages, by name. One `npm pack -w … -w …` makes them all,
 * into node_modules/.cache/gong-connector/packs/<key>, the key a hash of the packages' files: test files that need
 * the same packages, in this run or the next, share them until a package changes. A folder appears whole (it is
 * renamed into place when complete), so test files packing at the same time never see half of one.
 */
export async function packWorkspaces(names: readonly PackedName[]): Promise<Record<string, string>> {
  const cache = join(ROOT, "node_modules/.cache/gong-connector/packs");
  const prefix = `${[...names].sort().join("+")}-`;
  const dir = join(cache, `${prefix}${contentKey(names)}`);
  if (!existsSync(dir)) {
    mkdirSync(cache, { recursive: true });
    const partial = mkdtempSync(join(cache, ".partial-"));
    const packed = await exec("npm", ["pack", "--json", "--pack-destination", partial, ...names.flatMap((n) => ["-w", `packages/${n}`])], { cwd: ROOT, env: NPM_ENV });
    if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
    try {
      renameSync(partial, dir);
    } catch (error) {
      // Another test file packed the same contents first: use its folder.
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(dir)) throw error;
    }
    // Tarballs of contents the packages no longer have.
    for (const old of readdirSync(cache)) if (old.startsWith(prefix) && join(cache, old) !== dir) rmSync(join(cache, old), { recursive: true, force: true });
  }
  const tarballs: Record<string, string> = {};
  for (const file of readdirSync(dir)) {
    const name = names.find((n) => (n === "cli" ? /^gong-connector-\d/.test(file) : file.startsWith(`gong-connector-${n}-`)));
    if (name !== undefined) tarballs[name] = join(dir, file);
  }
  for (const name of names) if (!existsSync(tarballs[name] ?? "")) throw new Error(`npm pack made no tarball of ${name} in ${dir}`);
  return tarballs;
}

export interface TypeCheck {
  /** The diagnostics as tsc prints them (`file(line,col): error TSxxxx: message`), paths relative to the project. */
  errors: string[];
  /** The files whose types were checked, relative to the project. */
  checked: string[];
}

/**
 * What `tsc -p <project>` reports, minus what it would report about @types/node, undici-types and TypeScript's own
 * lib files: those belong to the consumer's environment, not to our packages, and checking them is most of tsc's
 * time. Every other file the program reaches is checked in full as tsc does with skipLibCheck false — the project's
 * own files, each of our packages' declaration files, and those of their dependencies (zod) — and listed in
 * `checked`, so a test can see that a declaration it cares about was checked.
 */
export async function typeCheck(project: string): Promise<TypeCheck> {
  const script = `
    import { createRequire } from "node:module";
    const ts = createRequire(${JSON.stringify(join(ROOT, "package.json"))})("typescript");
    const project = process.argv[1];
    const read = ts.readConfigFile(ts.findConfigFile(project, ts.sys.fileExists), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, project);
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, configFileParsingDiagnostics: parsed.errors });
    const environment = (f) => program.isSourceFileDefaultLibrary(f) || /\\/node_modules\\/(@types\\/node|undici-types)\\//.test(f.fileName);
    const checked = program.getSourceFiles().filter((f) => !environment(f));
    const diagnostics = [
      ...program.getConfigFileParsingDiagnostics(),
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...program.getSyntacticDiagnostics(),
      ...checked.flatMap((f) => program.getSemanticDiagnostics(f)),
    ];
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => project, getNewLine: () => "\\n" };
    const errors = ts.formatDiagnostics(diagnostics, host).split("\\n").filter((line) => / error TS\\d+/.test(line));
    console.log(JSON.stringify({ errors, checked: checked.map((f) => f.fileName) }));
  `;
  const r = await exec(process.execPath, ["--input-type=module", "-e", script, project], { cwd: project });
  if (r.status !== 0) throw new Error(`the type-check did not run: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as TypeCheck;
  return { errors: out.errors, checked: out.checked.map((f) => relative(project, f)) };
}
