import { diffInputs } from "./diff";
import { UNKNOWN } from "./unknown";

const rules = { replace: ["connection", "vm"], update: ["state", "description"] };
const olds = { connection: "lab", vm: { id: "101" }, state: "running", vmId: "101", extra: "computed" };

describe("diff", () => {
  it("reports no change when the inputs match the stored outputs", () => {
    expect(diffInputs(olds, { connection: "lab", vm: { id: "101" }, state: "running" }, rules)).toEqual({ changes: false, replaces: [] });
  });

  it("reports drift: the observed state differs from the wanted one", () => {
    expect(diffInputs({ ...olds, state: "stopped" }, { connection: "lab", vm: { id: "101" }, state: "running" }, rules)).toEqual({
      changes: true,
      replaces: [],
    });
  });

  it("changes in place, not replaces, when the new connection name reaches the same server", () => {
    const same = (a: string, b: string) => [a, b].every((n) => n === "lab" || n === "default");
    expect(diffInputs(olds, { connection: "default", vm: { id: "101" }, state: "running" }, rules, same)).toEqual({ changes: true, replaces: [] });
    expect(diffInputs(olds, { connection: "prod", vm: { id: "101" }, state: "running" }, rules, same).replaces).toEqual(["connection"]);
  });

  it("knows a VM by its UUID in any letter case and by its aliases (a vSphere moref)", () => {
    const uuid = "5032c8a1-2b5e-4d71-9d22-0f1a2b3c4d5e";
    const vs = { connection: "lab", vm: { name: "web" }, state: "running", vmId: uuid, vmName: "web", vmAliases: ["vm-42"] };
    expect(diffInputs(vs, { connection: "lab", vm: { id: uuid.toUpperCase() }, state: "running" }, rules).replaces).toEqual([]);
    expect(diffInputs(vs, { connection: "lab", vm: { id: "vm-42" }, state: "running" }, rules).replaces).toEqual([]);
    expect(diffInputs(vs, { connection: "lab", vm: { id: "vm-43" }, state: "running" }, rules).replaces).toEqual(["vm"]);
  });

  it("replaces when the VM changes", () => {
    expect(diffInputs(olds, { connection: "lab", vm: { id: "102" }, state: "running" }, rules).replaces).toEqual(["vm"]);
  });

  it("counts unknown values as changes, and as replacements for replacing fields", () => {
    expect(diffInputs(olds, { connection: "lab", vm: { id: "101" }, state: UNKNOWN }, rules)).toEqual({ changes: true, replaces: [] });
    expect(diffInputs(olds, { connection: "lab", vm: { id: UNKNOWN }, state: "running" }, rules).replaces).toEqual(["vm"]);
  });

  it("treats a missing optional field and an undefined one as equal", () => {
    expect(diffInputs({ ...olds, vm: { id: "101", node: undefined } }, { connection: "lab", vm: { id: "101" }, state: "running" }, rules).changes).toBe(false);
  });
});

describe("diff of the vm selector", () => {
  const stored = { connection: "lab", vm: { name: "web-01" }, state: "running", vmId: "101", vmName: "web-01", node: "pve1" };

  it("updates rather than replaces when the new selector names the same VM", () => {
    expect(diffInputs(stored, { connection: "lab", vm: { id: "101" }, state: "running" }, rules)).toEqual({ changes: true, replaces: [] });
    expect(diffInputs(stored, { connection: "lab", vm: { id: "101", node: "pve1" }, state: "running" }, rules).replaces).toEqual([]);
  });

  it("replaces when the new selector names another VM, or one it cannot tell", () => {
    expect(diffInputs(stored, { connection: "lab", vm: { name: "web-02" }, state: "running" }, rules).replaces).toEqual(["vm"]);
    expect(diffInputs(stored, { connection: "lab", vm: { id: "101", node: "pve2" }, state: "running" }, rules).replaces).toEqual(["vm"]);
    expect(diffInputs(stored, { connection: "lab", vm: { id: UNKNOWN }, state: "running" }, rules).replaces).toEqual(["vm"]);
    expect(diffInputs({ ...stored, vmId: "" }, { connection: "lab", vm: { id: "101" }, state: "running" }, rules).replaces).toEqual(["vm"]);
  });
});
