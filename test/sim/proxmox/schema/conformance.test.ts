import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { ProxmoxSim } from "../types";
import { allRoutes } from "../routes";
import type { TestClient } from "../testClient";
import { startSimWithClient, stopSimWithClient } from "../testSim";
import { methodInfo, splitKey } from "./apiSchema";
import { answerProblems } from "./answers";

/**
 * The simulator against Proxmox's published schema, route by route: every method it serves is
 * called (with the states that change its answer), and every answer is checked against the
 * method's `returns`; then every method is sent parameters its schema refuses.
 */

let sim: ProxmoxSim;
let c: TestClient;
beforeAll(async () => ({ sim, c } = await startSimWithClient()));
afterAll(() => stopSimWithClient(sim, c));

type Sample = [method: string, path: string, params?: Record<string, unknown>];

/** Concrete values for a template's placeholders. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, n: string) => encodeURIComponent(values[n]));
}

describe("every answer of every served method matches the schema's returns", () => {
  const answered = new Map<string, number>();
  const problems: string[] = [];

  async function call([method, path, params]: Sample): Promise<unknown> {
    const a = await c.request(method, path, params);
    expect({ call: `${method} ${path}`, status: a.status, statusText: a.statusText }).toMatchObject({ status: 200 });
    const route = allRoutes.find((r) => r.method === method && new RegExp(`^${r.path.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path));
    if (!route) throw new Error(`no route for ${method} ${path}`);
    const key = `${route.method} ${route.path}`;
    answered.set(key, (answered.get(key) ?? 0) + 1);
    problems.push(...answerProblems(methodInfo(key)!.returns, a.body.data, key).map((p) => `${key}: ${p}`));
    return a.body.data;
  }

  async function task(sample: Sample): Promise<string> {
    const upid = (await call(sample)) as string;
    await c.waitTask(upid);
    return upid;
  }

  it("walks the API through the states a resource meets", async () => {
    await call(["POST", "/access/ticket", { username: sim.username, password: sim.password }]);
    await call(["GET", "/access/ticket"]);
    await call(["GET", "/access/permissions"]);
    await call(["GET", "/access/permissions", { path: "/vms" }]);
    for (const path of ["/version", "/nodes", "/cluster/status", "/cluster/resources", "/cluster/nextid", "/pools", "/nodes/pve1/qemu", "/nodes/pve2/qemu"]) await call(["GET", path]);
    await call(["GET", "/cluster/resources", { type: "vm" }]);
    await call(["GET", "/cluster/nextid", { vmid: 150 }]);
    await call(["GET", "/nodes/pve1/qemu", { full: 1 }]);
    for (const [node, vmid] of [["pve1", 100], ["pve1", 101], ["pve2", 102], ["pve1", 9000]] as const) {
      await call(["GET", `/nodes/${node}/qemu/${vmid}/status/current`]);
      await call(["GET", `/nodes/${node}/qemu/${vmid}/config`]);
      await call(["GET", `/nodes/${node}/qemu/${vmid}/snapshot`]);
    }
    await call(["GET", "/nodes/pve1/qemu/101/config", { snapshot: "base" }]);
    await call(["GET", "/nodes/pve1/qemu/100/agent/network-get-interfaces"]);

    const snap = "/nodes/pve1/qemu/101/snapshot";
    await task(["POST", snap, { snapname: "walk", description: "walked" }]);
    await call(["GET", `${snap}/walk`]);
    await call(["GET", `${snap}/walk/config`]);
    await call(["PUT", `${snap}/walk/config`, { description: "walked again" }]);
    await call(["GET", snap]);
    await task(["POST", `${snap}/walk/rollback`]);
    await task(["DELETE", `${snap}/walk`]);

    await task(["POST", "/nodes/pve1/qemu/101/status/start"]);
    await call(["GET", "/nodes/pve1/qemu/101/status/current"]);
    await task(["POST", "/nodes/pve1/qemu/101/status/suspend"]);
    await call(["GET", "/nodes/pve1/qemu/101/status/current"]);
    await task(["POST", "/nodes/pve1/qemu/101/status/resume"]);
    await task(["POST", "/nodes/pve1/qemu/101/status/reset"]);
    await task(["POST", "/nodes/pve1/qemu/101/status/shutdown", { timeout: 10 }]);
    await task(["POST", "/nodes/pve2/qemu/103/status/start"]);
    await task(["POST", "/nodes/pve2/qemu/103/status/stop"]);

    const cloneTask = await task(["POST", "/nodes/pve1/qemu/9000/clone", { newid: 300, name: "walk-clone" }]);
    await call(["GET", "/nodes/pve1/qemu/300/config"]);
    await task(["DELETE", "/nodes/pve1/qemu/300", { purge: 1 }]);

    // Containers: the same walk through pve-container's methods.
    for (const node of ["pve1", "pve2"]) await call(["GET", `/nodes/${node}/lxc`]);
    for (const [node, vmid] of [["pve1", 160], ["pve1", 161], ["pve2", 163], ["pve1", 8000]] as const) {
      await call(["GET", `/nodes/${node}/lxc/${vmid}/status/current`]);
      await call(["GET", `/nodes/${node}/lxc/${vmid}/config`]);
      await call(["GET", `/nodes/${node}/lxc/${vmid}/snapshot`]);
    }
    await call(["GET", "/nodes/pve1/lxc/161/config", { snapshot: "base" }]);
    expect(await call(["GET", "/nodes/pve1/lxc/160/interfaces"])).toEqual(expect.arrayContaining([expect.objectContaining({ name: "eth0" })]));
    expect(await call(["GET", "/nodes/pve1/lxc/161/interfaces"])).toBeNull();
    const ctSnap = "/nodes/pve1/lxc/161/snapshot";
    await task(["POST", ctSnap, { snapname: "walk", description: "walked" }]);
    await call(["GET", `${ctSnap}/walk`]);
    await call(["GET", `${ctSnap}/walk/config`]);
    await call(["PUT", `${ctSnap}/walk/config`, { description: "walked again" }]);
    await task(["POST", `${ctSnap}/walk/rollback`, { start: 1 }]);
    await task(["POST", "/nodes/pve1/lxc/161/status/reboot", { timeout: 5 }]);
    await task(["POST", "/nodes/pve1/lxc/161/status/shutdown", { timeout: 10 }]);
    await task(["DELETE", `${ctSnap}/walk`]);
    await task(["POST", "/nodes/pve1/lxc/161/status/start"]);
    await task(["POST", "/nodes/pve1/lxc/161/status/suspend"]);
    await task(["POST", "/nodes/pve1/lxc/161/status/resume"]);
    await task(["POST", "/nodes/pve1/lxc/161/status/stop"]);
    await task(["POST", "/nodes/pve1/lxc/8000/clone", { newid: 301, hostname: "walk-ct" }]);
    await call(["GET", "/nodes/pve1/lxc/301/config"]);
    await task(["DELETE", "/nodes/pve1/lxc/301", { purge: 1, "destroy-unreferenced-disks": 1 }]);

    await call(["GET", "/nodes/pve1/tasks"]);
    await call(["GET", "/nodes/pve1/tasks", { source: "all", vmid: 101 }]);
    await call(["GET", `/nodes/pve1/tasks/${encodeURIComponent(cloneTask)}`]);
    await call(["GET", `/nodes/pve1/tasks/${encodeURIComponent(cloneTask)}/status`]);
    await call(["GET", `/nodes/pve1/tasks/${encodeURIComponent(cloneTask)}/log`]);
    sim.configure({ taskDurationMs: 5_000 });
    const running = (await call(["POST", "/nodes/pve2/qemu/103/status/start"])) as string;
    await new Promise((r) => setTimeout(r, 50)); // a new task shows after taskVisibleDelayMs
    await call(["GET", `/nodes/pve2/tasks/${encodeURIComponent(running)}/status`]);
    await call(["DELETE", `/nodes/pve2/tasks/${encodeURIComponent(running)}`]);
    sim.configure({ taskDurationMs: 20 });

    expect(problems).toEqual([]);
    expect(allRoutes.map((r) => `${r.method} ${r.path}`).filter((k) => !answered.has(k))).toEqual([]);
  });
});

describe("every served method refuses what its schema refuses", () => {
  const pathValues: Record<string, string> = { node: "pve1", vmid: "101", snapname: "base", upid: "" };

  beforeAll(async () => {
    pathValues.upid = await c.upid("POST", "/nodes/pve1/qemu/101/snapshot", { snapname: "for-upid" });
    await c.waitTask(pathValues.upid);
  });

  it.each(allRoutes.map((r) => [`${r.method} ${r.path}`] as const))("%s: an unknown parameter and every missing required one, all at once", async (key) => {
    const [method, template] = splitKey(key);
    const props = methodInfo(key)!.parameters.properties ?? {};
    const missing = Object.keys(props).filter((n) => !props[n].optional && !template.includes(`{${n}}`));
    const a = await c.request(method, fill(template, pathValues), { "no-such-parameter": 1 });
    expect({ status: a.status, statusText: a.statusText }).toEqual({ status: 400, statusText: "Parameter verification failed." });
    expect(a.body.errors).toEqual({
      "no-such-parameter": "property is not defined in schema and the schema does not allow additional properties",
      ...Object.fromEntries(missing.map((n) => [n, "property is missing and it is not optional"])),
    });
  });

  it("refuses a wrong type, a format and an enum value with pve-common's words", async () => {
    const a = await c.request("GET", "/nodes/pve1/tasks", { limit: "ten", vmid: 42, source: "everything", statusfilter: "ok,bogus" });
    expect(a.body.errors).toEqual({
      limit: "type check ('integer') failed - got 'ten'",
      vmid: "invalid format - value does not look like a valid VM ID\n",
      source: "value 'everything' does not have a value in the enumeration 'archive, active, all'",
      statusfilter: "invalid format - invalid status 'bogus'\n",
    });
  });
});
