import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isHypervisorError } from "../../core/errors";
import { harness, type Harness, type Transport } from "../../../test/sim/vboxmanage/driverHarness";

/**
 * Names reach VBoxManage literally: an argument vector locally, single-quoted words through the
 * remote shell. Each hostile name becomes a real VM (cloned under that name) and a snapshot, and
 * the stand-in must have received exactly those bytes. Through SSH the shell-active names create
 * a marker file if anything ever evaluated them, so a quoting bug shows as a file, not as damage.
 */
const marker = mkdtempSync(join(tmpdir(), "vboxsim-hostile-"));
const pwned = join(marker, "pwned");
afterAll(() => rmSync(marker, { recursive: true, force: true }));

const NAMES: Record<Transport, string[]> = {
  local: ["../../x", `a&b<c>"d'`, "$(reboot)", "; rm -rf /", "two\nlines", "--register", "{braces} \\ back"],
  ssh: ["../../x", `a&b<c>"d'`, `$(touch ${pwned})`, `; touch ${pwned}`, `\`touch ${pwned}\``, `x'; touch ${pwned}; '`, "two\nlines", "--register"],
};

describe.each(["local", "ssh"] as Transport[])("hostile names (%s)", (transport) => {
  let h: Harness;
  afterEach(() => h?.close());

  it("become VMs and snapshots with exactly that name, and nothing else happens", async () => {
    h = await harness(transport, { vms: [{ name: "golden" }], transitionMs: 0 });
    const golden = await h.vm("golden");
    for (const name of NAMES[transport]) {
      const clone = await h.hv.cloneVm(golden, { name }, h.ctx());
      expect(clone.name).toBe(name);
      expect(h.sim.vm(clone.id)?.name).toBe(name);
      expect((await h.hv.findVm({ name }, h.ctx()))?.id).toBe(clone.id);

      const snap = await h.hv.createSnapshot(clone, { name, description: name, includeMemory: false }, h.ctx());
      expect(h.sim.vm(clone.id)?.snapshots.map((s) => [s.name, s.description])).toEqual([[name, name]]);
      expect((await h.hv.listSnapshots(clone, h.ctx())).map((s) => [s.id, s.name, s.description])).toEqual([[snap.id, name, name]]);

      expect(h.sim.invocations()).toContainEqual(["clonevm", golden.id, "--name", name, "--register"]);
      expect(h.sim.invocations()).toContainEqual(["snapshot", clone.id, "take", name, "--description", name]);
    }
    expect(existsSync(pwned)).toBe(false);
  });

  it("refuses a NUL character clearly instead of cutting the name", async () => {
    h = await harness(transport, { vms: [{ name: "golden" }], transitionMs: 0 });
    const before = h.sim.invocations().length;
    const err = await h.hv.createSnapshot(await h.vm("golden"), { name: "a\0b", includeMemory: false }, h.ctx()).catch((e: unknown) => e);
    expect(isHypervisorError(err, "invalid-input")).toBe(true);
    expect((err as Error).message).toMatch(/NUL character/);
    expect(h.sim.invocations().slice(before).some((a) => a[0] === "snapshot")).toBe(false);
    expect(h.sim.vm("golden")?.snapshots).toEqual([]);
  });
});
