import fc from "fast-check";
import { hooks, type ResourceKind } from ".";
import { Connections } from "./connections";
import { resetConnections } from "./runtime";
import { UNKNOWN } from "./unknown";

/**
 * Property-based tests of every resource's `check`: it never throws, every failure names a
 * property and a reason, valid inputs pass, a single broken field is reported on that field,
 * and unknown values (preview) are never failures.
 */

const connections = JSON.stringify({
  lab: { type: "proxmox", endpoint: "https://pve.example:8006", apiToken: "root@pam!ci=secret-value" },
});

beforeAll(() => resetConnections(Connections.fromConfig(connections, {})));
afterAll(() => resetConnections());

const hostileText = fc.oneof(
  fc.string(),
  fc.constantFrom("../../x", `a&b<c>"d'`, "$(reboot)", "; rm -rf /", "line\nbreak", "nul\u0000byte", "🙂", " "),
);
const vmSelector = fc
  .record(
    {
      id: fc.oneof(fc.integer({ min: 1, max: 999_999_999 }), fc.stringMatching(/^[0-9a-f-]{1,36}$/).filter((s) => s.trim() !== "")),
      name: hostileText.filter((s) => s.length > 0),
      node: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
    },
    { requiredKeys: [] },
  )
  .filter((s) => s.id !== undefined || s.name !== undefined);

const common = { connection: fc.constant("lab"), vm: vmSelector, timeoutSeconds: fc.integer({ min: 1, max: 86400 }) };

const valid: Record<ResourceKind, fc.Arbitrary<Record<string, unknown>>> = {
  VmPowerState: fc.record(
    {
      ...common,
      state: fc.constantFrom("running", "stopped", "suspended", "paused"),
      shutdown: fc.constantFrom("graceful", "hard", "graceful-then-hard"),
      shutdownTimeoutSeconds: fc.integer({ min: 1, max: 3600 }),
      resetTrigger: hostileText,
      onDelete: fc.constantFrom("leave", "stop", "restore"),
      waitForIp: fc.boolean(),
    },
    { requiredKeys: ["connection", "vm", "state"] },
  ),
  VmSnapshot: fc.record(
    {
      ...common,
      // The connection is a Proxmox one, whose snapshot names are restricted (hostile names are refused in check).
      name: fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_-]{1,39}$/),
      description: fc.string({ maxLength: 200 }),
      includeMemory: fc.boolean(),
      rollbackTrigger: hostileText,
      deleteOnDestroy: fc.boolean(),
    },
    { requiredKeys: ["connection", "vm", "name"] },
  ),
  VmPresence: fc
    .record(
      {
        ...common,
        present: fc.boolean(),
        cloneFrom: fc.record({ name: fc.constantFrom("tmpl-debian"), full: fc.boolean() }, { requiredKeys: ["name"] }),
        allowDestroy: fc.boolean(),
        destroyOnDelete: fc.boolean(),
      },
      { requiredKeys: ["connection", "vm", "present"] },
    )
    .map((p) => ({
      ...p,
      // The rules destruction and clones need, so that the input is valid.
      allowDestroy: p.present === false || p.destroyOnDelete === true ? true : p.allowDestroy,
      vm: p.present && p.cloneFrom ? { ...(p.vm as object), name: "clone-1" } : p.vm,
    })),
};

/** A value of the wrong type for a field: what a JavaScript user or a broken Output could pass. */
const wrongValue = fc.oneof(fc.constant(null), fc.constant(-1), fc.constant([]), fc.constant({}), fc.constant("nonsense"), fc.constant(true));

const kinds: ResourceKind[] = ["VmPowerState", "VmSnapshot", "VmPresence"];
const runs = { numRuns: 700 };

describe.each(kinds)("%s check", (kind) => {
  const check = (news: Record<string, unknown>) => hooks(kind).check!({}, news);

  it("never throws, and names a property and a reason for every failure, whatever it is given", async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string(), fc.jsonValue()), fc.anything(), async (junk, extra) => {
        for (const news of [junk, { ...junk, vm: extra }, { ...junk, connection: extra }]) {
          const r = await check(news as Record<string, unknown>);
          for (const f of r.failures ?? []) {
            expect(typeof f.property).toBe("string");
            expect(f.property.length).toBeGreaterThan(0);
            expect(f.reason.length).toBeGreaterThan(0);
          }
        }
      }),
      runs,
    );
  });

  it("passes every valid input and fills in the defaults", async () => {
    await fc.assert(
      fc.asyncProperty(valid[kind], async (news) => {
        const r = await check(news);
        expect(r.failures).toEqual([]);
        expect(r.inputs).toMatchObject({ connection: "lab", timeoutSeconds: news.timeoutSeconds ?? 600 });
      }),
      runs,
    );
  });

  it("reports a broken field on that field", async () => {
    const fields = ["vm", "timeoutSeconds", ...(kind === "VmPowerState" ? ["state", "shutdown", "onDelete", "waitForIp"] : kind === "VmSnapshot" ? ["name", "includeMemory"] : ["present", "cloneFrom"])];
    await fc.assert(
      fc.asyncProperty(valid[kind], fc.constantFrom(...fields), wrongValue, async (news, field, bad) => {
        // Every value in wrongValue is of the wrong type for every field, but a string for a name
        // and a boolean for a boolean field.
        fc.pre(!(field === "name" && typeof bad === "string"));
        fc.pre(!(["waitForIp", "includeMemory", "present"].includes(field) && typeof bad === "boolean"));
        const r = await check({ ...news, [field]: bad });
        expect(r.failures!.length).toBeGreaterThan(0);
        expect(r.failures!.some((f) => f.property === field || f.property.startsWith(`${field}.`))).toBe(true);
      }),
      runs,
    );
  });

  it("accepts an unknown value (preview) in place of any field", async () => {
    await fc.assert(
      fc.asyncProperty(valid[kind], fc.nat(), async (news, pick) => {
        const keys = Object.keys(news);
        const key = keys[pick % keys.length];
        expect((await check({ ...news, [key]: UNKNOWN })).failures).toEqual([]);
        if (news.vm && typeof news.vm === "object")
          for (const k of Object.keys(news.vm as object)) expect((await check({ ...news, vm: { ...(news.vm as object), [k]: UNKNOWN } })).failures).toEqual([]);
      }),
      runs,
    );
  });
});

describe("snapshot names", () => {
  it("refuses, in check, every name Proxmox would refuse, on the name", async () => {
    await fc.assert(
      fc.asyncProperty(hostileText.filter((s) => !/^[a-zA-Z][a-zA-Z0-9_-]{1,39}$/.test(s) && s.length > 0 && s.length <= 255), async (name) => {
        const r = await hooks("VmSnapshot").check!({}, { connection: "lab", vm: { id: 100 }, name });
        expect(r.failures).toContainEqual({ property: "name", reason: expect.stringMatching(/Proxmox snapshot names/) });
      }),
      runs,
    );
  });
});

describe("destructive inputs", () => {
  it("refuses present: false and destroyOnDelete without allowDestroy, always on allowDestroy", async () => {
    await fc.assert(
      fc.asyncProperty(vmSelector, fc.boolean(), async (vm, viaDelete) => {
        const news = viaDelete ? { connection: "lab", vm, present: true, destroyOnDelete: true } : { connection: "lab", vm, present: false };
        const r = await hooks("VmPresence").check!({}, news);
        expect(r.failures).toContainEqual({ property: "allowDestroy", reason: expect.stringMatching(/allowDestroy: true/) });
      }),
      runs,
    );
  });
});
