import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ts from "typescript";
import { Agent, fetch } from "undici";
import { environmentLines, parseCliArgs } from "./cliArgs";

describe("sim:proxmox command line", () => {
  it("parses its flags, with port 8006 by default", () => {
    expect(parseCliArgs([])).toEqual({ sim: { port: 8006 }, help: false });
    expect(parseCliArgs(["--port", "9000", "--vms", "50", "--nodes=3", "--plain", "--task-ms", "5", "--latency-ms", "2", "--ca-file", "/tmp/ca.pem"])).toEqual({
      sim: { port: 9000, vms: 50, nodes: 3, plain: true, taskDurationMs: 5, latencyMs: 2 },
      caFile: "/tmp/ca.pem",
      help: false,
    });
    expect(parseCliArgs(["--help"]).help).toBe(true);
  });

  it("refuses unknown flags and bad numbers with a message", () => {
    expect(() => parseCliArgs(["--bogus"])).toThrow('unknown argument "--bogus"');
    expect(() => parseCliArgs(["--port"])).toThrow("--port needs a value");
    expect(() => parseCliArgs(["--vms", "-3"])).toThrow('--vms needs a whole number >= 0, got "-3"');
    expect(() => parseCliArgs(["--port", "70000"])).toThrow("--port must be at most 65535");
    expect(() => parseCliArgs(["--nodes", "0"])).toThrow("--nodes must be at least 1");
  });

  it("prints KEY=VALUE lines, the fingerprint only when there is a certificate", () => {
    const sim = { endpoint: "https://127.0.0.1:8006", apiToken: "root@pam!pulumi=abc", username: "root@pam", password: "pw", fingerprint: "AA:BB" };
    expect(environmentLines(sim)).toEqual([
      "PROXMOX_VE_ENDPOINT=https://127.0.0.1:8006",
      "PROXMOX_VE_API_TOKEN=root@pam!pulumi=abc",
      "PROXMOX_VE_USERNAME=root@pam",
      "PROXMOX_VE_PASSWORD=pw",
      "PROXMOX_VE_FINGERPRINT=AA:BB",
    ]);
    expect(environmentLines({ ...sim, fingerprint: "" })).toHaveLength(4);
  });

  describe("run as a process", () => {
    let dir: string;
    beforeAll(() => {
      // Plain JavaScript from the sources, as build:tools makes it, without touching the shared build/ folder.
      dir = mkdtempSync(join(tmpdir(), "sim-cli-"));
      for (const sub of ["proxmox", "proxmox/schema", "tls"]) {
        mkdirSync(join(dir, sub));
        for (const f of readdirSync(join(__dirname, "..", sub)).filter((n) => (n.endsWith(".ts") && !n.endsWith(".test.ts")) || n.endsWith(".json"))) {
          const source = readFileSync(join(__dirname, "..", sub, f), "utf8");
          if (f.endsWith(".json")) {
            writeFileSync(join(dir, sub, f), source);
            continue;
          }
          const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
          writeFileSync(join(dir, sub, f.replace(/\.ts$/, ".js")), out.outputText);
        }
      }
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("seeds a cluster, prints the environment, serves, and stops on SIGTERM", async () => {
      const caFile = join(dir, "ca.pem");
      const child = spawn(process.execPath, [join(dir, "proxmox", "cli.js"), "--port", "0", "--nodes", "3", "--vms", "10", "--task-ms", "5", "--ca-file", caFile], { stdio: ["ignore", "pipe", "pipe"] });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      try {
        const lines = await new Promise<string[]>((resolve, reject) => {
          let out = "";
          const timer = setTimeout(() => reject(new Error(`no output in time; got: ${out}`)), 15_000);
          child.stdout.on("data", (d: Buffer) => {
            out += d.toString();
            const ls = out.split("\n").filter(Boolean);
            if (ls.length >= 5) {
              clearTimeout(timer);
              resolve(ls);
            }
          });
          child.on("exit", (code) => reject(new Error(`exited ${code} before printing`)));
        });
        expect(lines.map((l) => l.split("=")[0])).toEqual(["PROXMOX_VE_ENDPOINT", "PROXMOX_VE_API_TOKEN", "PROXMOX_VE_USERNAME", "PROXMOX_VE_PASSWORD", "PROXMOX_VE_FINGERPRINT"]);
        const env = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
        expect(env.PROXMOX_VE_ENDPOINT).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        expect(env.PROXMOX_VE_API_TOKEN).toMatch(/^root@pam!pulumi=[0-9a-f-]{36}$/);
        const ca = readFileSync(caFile, "utf8");
        expect(env.PROXMOX_VE_FINGERPRINT).toBe(new X509Certificate(ca).fingerprint256);

        const agent = new Agent({ connect: { ca } });
        const res = await fetch(`${env.PROXMOX_VE_ENDPOINT}/api2/json/cluster/resources?type=vm`, { headers: { Authorization: `PVEAPIToken=${env.PROXMOX_VE_API_TOKEN}` }, dispatcher: agent });
        expect(res.status).toBe(200);
        const vms = ((await res.json()) as { data: Array<{ node: string }> }).data;
        expect(vms).toHaveLength(21);
        expect(new Set(vms.map((v) => v.node))).toEqual(new Set(["pve1", "pve2", "pve3"]));
        const login = await fetch(`${env.PROXMOX_VE_ENDPOINT}/api2/json/access/ticket`, {
          method: "POST",
          body: new URLSearchParams({ username: env.PROXMOX_VE_USERNAME, password: env.PROXMOX_VE_PASSWORD }),
          dispatcher: agent,
        });
        expect(login.status).toBe(200);
        await agent.close();
      } finally {
        child.kill("SIGTERM");
      }
      expect(await exited).toBe(0);
    });
  });
});
