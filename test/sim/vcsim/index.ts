import { execFile, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, promises as fs, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

/**
 * The govmomi simulator as a test peer. `buildVcsim()` compiles our small main program
 * (main.go + strict.go, next to this file) against Debian's golang-github-vmware-govmomi-dev, in
 * GOPATH mode and offline, once per source hash: the first build takes about 15-25 s on two cores,
 * later calls reuse the binary from the cache (node_modules/.cache/pulumi-hypervisor/vcsim).
 * `startVcsim()` runs one instance on a free port with HTTPS and a fresh self-signed certificate.
 *
 * Needs the Debian packages golang-go and golang-github-vmware-govmomi-dev.
 */

export const DEBIAN_PACKAGES = ["golang-go", "golang-github-vmware-govmomi-dev"] as const;
const GOVMOMI = "/usr/share/gocode/src/github.com/vmware/govmomi/simulator";
const BINARY = "vcsim-peer";
const run = promisify(execFile);

/** The folder with main.go, whether this file runs from test/sim/vcsim or from its build under build/. */
function sourceDir(): string {
  if (existsSync(join(__dirname, "main.go"))) return __dirname;
  let dir = __dirname;
  while (dirname(dir) !== dir) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "test/sim/vcsim/main.go"))) return join(dir, "test/sim/vcsim");
    dir = dirname(dir);
  }
  throw new Error(`cannot find the vcsim Go sources (main.go) above ${__dirname}`);
}

function projectRoot(): string {
  return join(sourceDir(), "../../..");
}

/** Why vcsim cannot be built here, or undefined when it can. */
export async function vcsimUnavailable(): Promise<string | undefined> {
  try {
    await run("go", ["version"], { timeout: 10_000 });
  } catch {
    return `the Go toolchain is missing (install the Debian packages: apt-get install ${DEBIAN_PACKAGES.join(" ")})`;
  }
  if (!existsSync(GOVMOMI)) {
    return `the govmomi simulator sources are missing at ${GOVMOMI} (install: apt-get install ${DEBIAN_PACKAGES.join(" ")})`;
  }
  return undefined;
}

/** The same check, synchronously, for deciding at load time whether a test suite runs. */
export function vcsimUnavailableSync(): string | undefined {
  try {
    execFileSync("go", ["version"], { timeout: 10_000, stdio: "ignore" });
  } catch {
    return `the Go toolchain is missing (install the Debian packages: apt-get install ${DEBIAN_PACKAGES.join(" ")})`;
  }
  if (!existsSync(GOVMOMI)) {
    return `the govmomi simulator sources are missing at ${GOVMOMI} (install: apt-get install ${DEBIAN_PACKAGES.join(" ")})`;
  }
  return undefined;
}

async function sourceHash(): Promise<string> {
  const dir = sourceDir();
  const h = createHash("sha256");
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".go")).sort()) h.update(f).update(readFileSync(join(dir, f)));
  h.update((await run("go", ["version"])).stdout);
  h.update(String(statSync(GOVMOMI).mtimeMs));
  return h.digest("hex").slice(0, 16);
}

let built: Promise<string> | undefined;

/** The path of the vcsim-peer binary, built when the Go sources changed. */
export function buildVcsim(): Promise<string> {
  built ??= build().catch((e) => {
    built = undefined;
    throw e;
  });
  return built;
}

async function build(): Promise<string> {
  const missing = await vcsimUnavailable();
  if (missing) throw new Error(`cannot build vcsim: ${missing}`);
  const cache = join(projectRoot(), "node_modules/.cache/pulumi-hypervisor/vcsim");
  const target = join(cache, await sourceHash());
  const binary = join(target, BINARY);
  if (existsSync(binary)) return binary;
  await fs.mkdir(cache, { recursive: true });
  // Several jest workers may get here at once: one builds (it holds the lock), the others wait for its binary.
  const lock = `${target}.lock`;
  for (const started = Date.now(); ; ) {
    try {
      await fs.mkdir(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (existsSync(binary)) return binary;
      const age = Date.now() - (await fs.stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 300_000) await fs.rm(lock, { recursive: true, force: true }); // a build that died
      if (Date.now() - started > 300_000) throw new Error(`timed out waiting for another process to build vcsim (${lock})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (existsSync(binary)) return binary;
    const work = await fs.mkdtemp(join(cache, "build-"));
    const env = {
      ...process.env,
      GO111MODULE: "off",
      GOPATH: `${join(cache, "gopath")}:/usr/share/gocode`,
      GOCACHE: join(cache, "gocache"),
      GOFLAGS: "",
      CGO_ENABLED: "0",
    };
    try {
      await run("go", ["build", "-o", join(work, BINARY), "."], { cwd: sourceDir(), env, timeout: 600_000, maxBuffer: 16 << 20 });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`building vcsim failed: ${err.stderr || err.message}`);
    }
    await fs.mkdir(target, { recursive: true });
    await fs.rename(join(work, BINARY), binary);
    await fs.rm(work, { recursive: true, force: true });
    // Binaries of older sources are of no use any more (the Go build cache stays).
    for (const old of await fs.readdir(cache)) {
      if (/^[0-9a-f]{16}$/.test(old) && join(cache, old) !== target) await fs.rm(join(cache, old), { recursive: true, force: true });
    }
    return binary;
  } finally {
    await fs.rm(lock, { recursive: true, force: true });
  }
}

export interface VcsimOptions {
  /** "vpx": vCenter with a datacenter, standalone hosts and clusters; "esx": one standalone ESXi host. */
  model?: "vpx" | "esx";
  /** vpx: standalone hosts (default 1). */
  hosts?: number;
  /** vpx: clusters (default 1), each with `clusterHosts` hosts (default 3). */
  clusters?: number;
  clusterHosts?: number;
  /**
   * VMs per resource pool (vcsim's -vm): the esx model has one pool, so this is the total there;
   * the vpx model has one per standalone host and one per cluster, so it makes (hosts + clusters) x vms.
   */
  vms?: number;
  /** Serve plain HTTP instead of HTTPS. */
  plain?: boolean;
  /** How long a guest takes to shut down after ShutdownGuest (default 200 ms). */
  shutdownDelayMs?: number;
  /** Sessions idle this long end on the server (default: never). */
  sessionIdleMs?: number;
  /**
   * How long a power-on or power-off takes (default 0). vcsim runs a task inside the call that
   * creates it, so the call itself is held this long (govmomi's DelayConfig), not the task.
   */
  powerDelayMs?: number;
  /** The user's privileges, as a role on the root folder (default: the Admin role); HasPrivilegeOnEntities answers from them. */
  privileges?: readonly string[];
}

export interface Vcsim {
  /** https://127.0.0.1:PORT/sdk */
  url: string;
  endpoint: string;
  username: string;
  password: string;
  model: "vpx" | "esx";
  /** The VMs the model was created with. */
  vms: number;
  /** PEM of the self-signed certificate (empty with plain HTTP). */
  caCert: string;
  /** Its SHA-256 fingerprint, AB:CD:... */
  fingerprint: string;
  certFile: string;
  keyFile: string;
  /** The last lines vcsim logged (for diagnosing a failed test). */
  log(): string;
  /** The moref of the VM with this name. */
  morefOf(vmName: string): Promise<string>;
  /** Changes how a VM's guest behaves (VM by moref or name): Tools installed or not, shutdown requests obeyed or ignored. */
  setGuest(vm: string, behaviour: { tools?: "installed" | "none"; shutdown?: "normal" | "ignore" }): Promise<void>;
  close(): Promise<void>;
}

export async function startVcsim(o: VcsimOptions = {}): Promise<Vcsim> {
  const binary = await buildVcsim();
  const username = "administrator@vsphere.local";
  const password = `Pw-${randomBytes(12).toString("base64url")}`;
  const model = o.model ?? "vpx";
  const args = [
    "-listen=127.0.0.1:0",
    `-model=${model}`,
    `-hosts=${o.hosts ?? 1}`,
    `-cluster=${o.clusters ?? 1}`,
    `-cluster-hosts=${o.clusterHosts ?? 3}`,
    `-vms=${o.vms ?? 2}`,
    `-plain=${o.plain ?? false}`,
    `-username=${username}`,
    `-password=${password}`,
    `-shutdown-delay=${o.shutdownDelayMs ?? 200}ms`,
    `-session-idle=${o.sessionIdleMs ?? 0}ms`,
    `-power-delay=${o.powerDelayMs ?? 0}ms`,
    ...(o.privileges ? [`-privileges=${o.privileges.join(",")}`] : []),
    "-watch-stdin",
  ];
  // Its datastores are folders under TMPDIR; give each instance its own, removed at close.
  const tmp = await fs.mkdtemp(join(tmpdir(), "vcsim-"));
  const child = spawn(binary, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, TMPDIR: tmp } });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-16_384);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const first = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`vcsim did not start within 60 s: ${stderr}`)), 60_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`vcsim exited with ${code} before serving: ${stderr}`));
    });
  });
  const info = JSON.parse(first) as { url: string; vms: number; certFile: string; keyFile: string; fingerprint: string };
  const caCert = info.certFile ? readFileSync(info.certFile, "utf8") : "";
  const base = new URL(info.url);
  return {
    url: info.url,
    endpoint: info.url,
    username,
    password,
    model,
    vms: info.vms,
    caCert,
    fingerprint: info.fingerprint,
    certFile: info.certFile,
    keyFile: info.keyFile,
    log: () => stderr,
    morefOf: (vm) => control(base, "GET", `/vcsim/vm?${new URLSearchParams({ vm })}`, caCert),
    async setGuest(vm, b) {
      const q = new URLSearchParams({ vm, ...(b.tools && { tools: b.tools }), ...(b.shutdown && { shutdown: b.shutdown }) });
      await control(base, "POST", `/vcsim/guest?${q}`, caCert);
    },
    async close() {
      child.stdin.end();
      child.kill("SIGTERM");
      await exited;
      await fs.rm(tmp, { recursive: true, force: true });
    },
  };
}

/** A request to the peer's control endpoints, over its own TLS; resolves with the answer's text. */
async function control(base: URL, method: "GET" | "POST", pathAndQuery: string, caCert: string): Promise<string> {
  const { request } = base.protocol === "https:" ? await import("node:https") : await import("node:http");
  return new Promise<string>((resolve, reject) => {
    const req = request(new URL(pathAndQuery, base), { method, ca: caCert || undefined, timeout: 10_000 }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => ((res.statusCode ?? 500) < 300 ? resolve(body) : reject(new Error(`vcsim ${pathAndQuery}: ${res.statusCode} ${body}`))));
    });
    req.on("timeout", () => req.destroy(new Error("vcsim control request timed out")));
    req.on("error", reject);
    req.end();
  });
}
