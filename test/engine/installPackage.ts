/**
 * A temporary program directory with a package installed the way a user gets it: from the tarball
 * `npm pack` makes (so the package's `files` and `exports` are what is tested), extracted into
 * `<program>/node_modules/<name>`. Its dependencies are made resolvable without a network by
 * symlinking every top-level entry of an existing node_modules (the repository's) beside it.
 */
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

const run = promisify(execFile);

const PACK_TIMEOUT_MS = 120_000;
const EXTRACT_TIMEOUT_MS = 60_000;

interface PackageJson {
  name: string;
  version: string;
  files?: string[];
  bin?: string | Record<string, string>;
}

function readPackageJson(packageDir: string): PackageJson {
  return JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as PackageJson;
}

/** The node_modules directory holding the @pulumi/pulumi this harness itself runs with. */
export function harnessNodeModules(): string {
  const pulumiPackageJson = fs.realpathSync(require.resolve("@pulumi/pulumi/package.json"));
  return path.dirname(path.dirname(path.dirname(pulumiPackageJson)));
}

/** Files whose change changes the tarball: the static roots of `files` (or everything) plus package.json. */
function packedRoots(packageDir: string, pkg: PackageJson): string[] {
  if (!pkg.files) {
    return [packageDir];
  }
  const roots = pkg.files.map((pattern) => {
    const parts = pattern.split("/");
    const firstGlob = parts.findIndex((part) => /[*?[{!]/.test(part));
    return path.join(packageDir, ...(firstGlob === -1 ? parts : parts.slice(0, firstGlob)));
  });
  return [...new Set([path.join(packageDir, "package.json"), ...roots])];
}

function fingerprint(packageDir: string, pkg: PackageJson): string {
  const hash = crypto.createHash("sha256");
  const visit = (p: string): void => {
    if (!fs.existsSync(p)) {
      return;
    }
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) {
        if (entry !== "node_modules" && !entry.startsWith(".")) {
          visit(path.join(p, entry));
        }
      }
      return;
    }
    hash.update(`${path.relative(packageDir, p)}\0${stat.size}\0${stat.mtimeMs}\n`);
  };
  packedRoots(packageDir, pkg).forEach(visit);
  return hash.digest("hex").slice(0, 16);
}

/**
 * The package's tarball, made by `npm pack` once per content: packs are cached under the system
 * temporary directory keyed by the packed files' sizes and modification times, because a pack
 * takes seconds and every test run installs the same package many times.
 */
export async function packPackage(packageDir: string): Promise<string> {
  const pkg = readPackageJson(packageDir);
  const cacheDir = path.join(os.tmpdir(), "engine-harness-packs");
  const safeName = pkg.name.replace(/^@/, "").replace(/\//g, "-");
  const cached = path.join(cacheDir, `${safeName}-${pkg.version}-${fingerprint(packageDir, pkg)}.tgz`);
  if (fs.existsSync(cached)) {
    return cached;
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const workDir = fs.mkdtempSync(path.join(cacheDir, "pack-"));
  try {
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", workDir], {
      cwd: packageDir,
      timeout: PACK_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [result] = JSON.parse(stdout) as { filename: string }[];
    // Rename is atomic: concurrent test workers packing the same content both end with one file.
    fs.renameSync(path.join(workDir, result.filename), cached);
    return cached;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

function symlinkDir(target: string, link: string): void {
  fs.symlinkSync(target, link, process.platform === "win32" ? "junction" : "dir");
}

/** Links `from/*` into `to/`, except the installed package itself (descending into its scope). */
function linkDependencies(from: string, to: string, packageName: string): void {
  const [scope, bare] = packageName.startsWith("@") ? packageName.split("/") : [undefined, packageName];
  for (const entry of fs.readdirSync(from)) {
    // .bin holds the installed packages' commands: the program directory gets its own (see linkBins).
    if (entry === ".package-lock.json" || entry === ".cache" || entry === ".bin" || entry === packageName) {
      continue;
    }
    if (entry === scope) {
      fs.mkdirSync(path.join(to, scope), { recursive: true });
      for (const member of fs.readdirSync(path.join(from, scope))) {
        if (member !== bare) {
          symlinkDir(path.join(from, scope, member), path.join(to, scope, member));
        }
      }
      continue;
    }
    symlinkDir(path.join(from, entry), path.join(to, entry));
  }
}

/** What npm does for the package's `bin`: node_modules/.bin/<command> -> the script, made executable. */
function linkBins(installedDir: string, nodeModules: string): void {
  const pkg = readPackageJson(installedDir);
  const bins = typeof pkg.bin === "string" ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {});
  const binDir = path.join(nodeModules, ".bin");
  fs.mkdirSync(binDir, { recursive: true });
  for (const [command, script] of Object.entries(bins)) {
    const target = path.join(installedDir, script);
    fs.chmodSync(target, 0o755);
    fs.symlinkSync(path.relative(binDir, target), path.join(binDir, command));
  }
}

function assertSinglePulumi(programDir: string, installedDir: string): void {
  const fromProgram = require.resolve("@pulumi/pulumi/package.json", { paths: [programDir] });
  const fromPackage = require.resolve("@pulumi/pulumi/package.json", { paths: [installedDir] });
  if (fs.realpathSync(fromProgram) !== fs.realpathSync(fromPackage)) {
    throw new Error(
      `two @pulumi/pulumi instances: the program resolves ${fs.realpathSync(fromProgram)}, ` +
        `the package ${fs.realpathSync(fromPackage)}; resources would register with a runtime that is not mocked`,
    );
  }
}

export interface InstallOptions {
  packageDir: string;
  /** Where the temporary program directory is created (default: the system temporary directory). */
  parentDir?: string;
  /** The node_modules whose entries serve as the package's dependencies (default: the harness's own). */
  dependenciesFrom?: string;
}

export interface InstalledProgramDir {
  dir: string;
  packageName: string;
}

/** Creates a program directory with the package installed from its tarball. */
export async function createProgramDir(options: InstallOptions): Promise<InstalledProgramDir> {
  const packageDir = path.resolve(options.packageDir);
  const { name } = readPackageJson(packageDir);
  const tarball = await packPackage(packageDir);
  const parentDir = options.parentDir ?? os.tmpdir();
  fs.mkdirSync(parentDir, { recursive: true });
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(parentDir, "program-")));
  const nodeModules = path.join(dir, "node_modules");
  const installedDir = path.join(nodeModules, name);
  fs.mkdirSync(installedDir, { recursive: true });
  await run("tar", ["-xzf", tarball, "-C", installedDir, "--strip-components=1"], { timeout: EXTRACT_TIMEOUT_MS });
  linkDependencies(options.dependenciesFrom ?? harnessNodeModules(), nodeModules, name);
  linkBins(installedDir, nodeModules);
  assertSinglePulumi(dir, installedDir);
  fs.writeFileSync(
    path.join(dir, "package.json"),
    `${JSON.stringify({ name: "engine-harness-program", private: true, main: "index.js" }, null, 2)}\n`,
  );
  return { dir, packageName: name };
}
