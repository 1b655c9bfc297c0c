import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Io } from "./io";
import { main } from "./main";

/** Runs the command in-process in `cwd` with exactly `env`; what it printed, and its exit status. */
async function run(argv: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const same = (s: string) => s;
  const io: Io = { cwd, env, style: { ok: same, warn: same, fail: same, dim: same, bold: same }, out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(argv, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const emptyDir = () => mkdtempSync(join(tmpdir(), "cli-"));

describe("pulumi-hypervisor with no connection profile anywhere", () => {
  it.each(["vms", "doctor"])("%s says where it looked and what to set, and fails", async (command) => {
    const r = await run([command], emptyDir(), {});
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^no connection profiles \(no stack file here, profiles from the environment\)\. Set hypervisor:connections in the stack, or the environment variables the README lists \(PROXMOX_VE_ENDPOINT, VSPHERE_SERVER, VBOX_MANAGE, \.\.\.\)\.$/);
    expect(r.out).toBe("");
  });

  it("says the stack's value is encrypted, and how to pass it decrypted, when all of it is a secret", async () => {
    const dir = emptyDir();
    writeFileSync(join(dir, "Pulumi.dev.yaml"), "config:\n  hypervisor:connections:\n    secure: v1:Zm9vYmFy\n");
    const r = await run(["vms"], dir, {});
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^\(the whole value\) is encrypted in Pulumi\.dev\.yaml.*PULUMI_HYPERVISOR_CONNECTIONS="\$\(pulumi config get hypervisor:connections --stack dev\)" pulumi-hypervisor/);
  });
});
