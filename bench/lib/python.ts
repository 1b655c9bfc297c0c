import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The peers run on Debian's Python with Debian's packages: /usr/bin/python3, not whatever
 * `python3` comes first on PATH (a pyenv shim there would not see the Debian packages).
 */
export const PEER_PYTHON = "/usr/bin/python3";
export const PEER_PACKAGES = ["python3-pyvmomi", "python3-proxmoxer"] as const;
const IMPORT_CHECK = "import pyVmomi, proxmoxer, requests";

async function importsWork(): Promise<boolean> {
  try {
    await run(PEER_PYTHON, ["-W", "ignore", "-c", IMPORT_CHECK], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

async function aptInstall(log: (line: string) => void): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => run("apt-get", ["install", "-y", "--no-install-recommends", ...PEER_PACKAGES], { env, timeout: 300_000, maxBuffer: 16 << 20 });
  log(`installing ${PEER_PACKAGES.join(" ")} with apt-get (the peers' libraries)`);
  try {
    await install();
  } catch {
    // A fresh machine may have no package lists yet.
    await run("apt-get", ["update"], { env, timeout: 300_000, maxBuffer: 16 << 20 });
    await install();
  }
}

/** Makes sure the peer libraries import, installing them when this is root; otherwise says how to get them. */
export async function ensurePeerLibraries(log: (line: string) => void): Promise<string> {
  if (!(await importsWork())) {
    if (process.getuid?.() !== 0) {
      throw new Error(
        `the peers need Debian's ${PEER_PACKAGES.join(" and ")} for ${PEER_PYTHON}, which are missing; ` +
          `install them (sudo apt-get install ${PEER_PACKAGES.join(" ")}) or run the benchmark as root`,
      );
    }
    await aptInstall(log);
    if (!(await importsWork())) throw new Error(`${PEER_PACKAGES.join(" and ")} were installed, but ${PEER_PYTHON} still cannot import them`);
  }
  const { stdout } = await run("dpkg-query", ["-W", "-f", "${Package} ${Version}\\n", ...PEER_PACKAGES]);
  const { stdout: version } = await run(PEER_PYTHON, ["-c", "import platform; print(platform.python_version())"]);
  const packages = stdout.trim().split("\n").join(", ");
  return `Python ${version.trim()} (${packages})`;
}

/**
 * One peer script (bench/peers/*.py) kept running for the whole benchmark, so that its login and
 * connection stay warm like ours: it answers each command line with one JSON line.
 */
export class PeerProcess {
  private readonly lines: AsyncIterator<string>;
  private stderr = "";

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** Starts `bench/peers/<script>` with its settings in the environment (no credential on a command line). */
  static async start(script: string, env: Record<string, string>): Promise<PeerProcess> {
    const path = join(__dirname, "../../../bench/peers", script);
    const child = spawn(PEER_PYTHON, ["-W", "ignore", path], { env: { ...process.env, ...env, PYTHONUNBUFFERED: "1" }, stdio: ["pipe", "pipe", "pipe"] });
    const peer = new PeerProcess(child);
    await peer.next(60_000, "start");
    return peer;
  }

  async ask<T>(command: string, timeoutMs = 120_000): Promise<T> {
    this.child.stdin.write(`${command}\n`);
    const answer = (await this.next(timeoutMs, command)) as T & { error?: string };
    if (answer.error) throw new Error(`peer: ${answer.error}`);
    return answer;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end("quit\n");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private async next(timeoutMs: number, what: string): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the peer did not answer "${what}" within ${timeoutMs / 1000} s: ${this.stderr}`)), timeoutMs);
    });
    try {
      const line = await Promise.race([this.lines.next(), timeout]);
      if (line.done) throw new Error(`the peer ended before answering "${what}": ${this.stderr}`);
      return JSON.parse(line.value);
    } finally {
      clearTimeout(timer);
    }
  }
}
