import { spawn, spawnSync } from "node:child_process";
import { createVBoxSim, type VBoxSim } from "./index";

/** The stand-in itself: VBoxManage's formats, statuses and quirks, and a state file safe under concurrency. */
describe("stand-in VBoxManage", () => {
  let sim: VBoxSim;
  afterEach(() => sim?.cleanup());

  const run = (...args: string[]) => spawnSync(sim.vboxManagePath, args, { encoding: "utf8" });
  const runAsync = (...args: string[]) =>
    new Promise<number | null>((resolve) => spawn(sim.vboxManagePath, args, { stdio: "ignore" }).on("close", (code) => resolve(code)));

  it("prints a COM error block on stderr and exits 1; a syntax error exits 2", () => {
    sim = createVBoxSim({ vms: [] });
    const r = run("showvminfo", "nope", "--machinereadable");
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")).toEqual([
      "VBoxManage: error: Could not find a registered machine named 'nope'",
      "VBoxManage: error: Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component VirtualBoxWrap, interface IVirtualBox, callee nsISupports",
      'VBoxManage: error: Context: "FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())" at line 3029 of file VBoxManageInfo.cpp',
      "",
    ]);
    expect(run("frobnicate").status).toBe(2);
  });

  it("prints its version and revision for --version and -v, and nothing else", () => {
    sim = createVBoxSim({ vms: [], version: "6.1.50r161033" });
    for (const flag of ["--version", "-v"]) expect(run(flag)).toMatchObject({ status: 0, stdout: "6.1.50r161033\n", stderr: "" });
  });

  it("answers a VM without snapshots on stdout with exit 1", () => {
    sim = createVBoxSim({ vms: [{ name: "web" }] });
    const r = run("snapshot", "web", "list", "--machinereadable");
    expect([r.status, r.stdout, r.stderr]).toEqual([1, "This machine does not have any snapshots\n", ""]);
  });

  it("writes progress to stderr and the result to stdout", () => {
    sim = createVBoxSim({ vms: [{ name: "web" }], transitionMs: 0 });
    const r = run("snapshot", "web", "take", "s1");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Snapshot taken\. UUID: [0-9a-f-]{36}\n$/);
    expect(r.stderr).toBe("0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n");
  });

  it("speaks Windows when asked: CRLF and the VBoxManage.exe prefix", () => {
    sim = createVBoxSim({ vms: [{ name: "web" }], windows: true });
    expect(run("list", "vms").stdout).toMatch(/^"web" \{[0-9a-f-]{36}\}\r\n$/);
    expect(run("controlvm", "web", "pause").stderr).toBe("VBoxManage.exe: error: Machine 'web' is not currently running.\r\n");
  });

  it("can print an error and still exit 0, as some failures do", () => {
    sim = createVBoxSim({ vms: [{ name: "web" }], exitZeroOnError: 1 });
    const quirk = run("controlvm", "web", "pause");
    expect([quirk.status, quirk.stderr]).toEqual([0, "VBoxManage: error: Machine 'web' is not currently running.\n"]);
    expect(run("controlvm", "web", "pause").status).toBe(1);
  });

  it("finishes a change whose VBoxManage was killed before answering, as VBoxSVC would", () => {
    sim = createVBoxSim({ vms: [{ name: "web" }], transitionMs: 0, dropAnswer: { startvm: 1 } });
    const r = run("startvm", "web", "--type", "headless");
    expect([r.status, r.signal, r.stdout]).toEqual([null, "SIGKILL", ""]);
    expect(sim.vm("web")?.state).toBe("running");
  });

  it("loses no change when many VBoxManage processes run at once", async () => {
    const names = Array.from({ length: 10 }, (_, i) => `vm${i}`);
    sim = createVBoxSim({ vms: names.map((name) => ({ name })), transitionMs: 0 });
    const codes = await Promise.all(names.map((n) => runAsync("snapshot", n, "take", `snap-of-${n}`)));
    expect(codes).toEqual(names.map(() => 0));
    expect(sim.read().vms.map((v) => v.snapshots.map((s) => s.name))).toEqual(names.map((n) => [`snap-of-${n}`]));
  });

  it("injects the same session-lock faults run after run for the same seed", () => {
    const outcomes = () => {
      sim = createVBoxSim({ vms: [{ name: "web" }], lockRate: 0.5, seed: 42, transitionMs: 0 });
      const got = Array.from({ length: 8 }, () => run("snapshot", "web", "edit", "--current", "--description", "x").stderr.includes("already locked"));
      sim.cleanup();
      return got;
    };
    const first = outcomes();
    expect(outcomes()).toEqual(first);
    expect(first.some(Boolean)).toBe(true);
    expect(first.every(Boolean)).toBe(false);
  });
});
