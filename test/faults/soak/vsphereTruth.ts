import { request } from "node:https";
import { XMLParser } from "fast-xml-parser";
import type { PowerState } from "../../../src/hypervisors";
import type { Vcsim } from "../../sim/vcsim";
import type { TruthVm } from "./target";

/**
 * What vcsim itself holds, read straight from it (not through the fault proxy, not through our
 * driver or its SOAP and XML code): a session of its own, a container view of every VM per read,
 * and their name, power state, instance UUID and snapshot tree, parsed with fast-xml-parser.
 */

const ENVELOPE = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
  `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
const VIM = `xmlns="urn:vim25"`;
const POWER: Record<string, PowerState> = { poweredOn: "running", poweredOff: "stopped", suspended: "suspended" };

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  // vcsim writes '"' and newlines as character references (&#34;, &#xA;).
  htmlEntities: true,
  isArray: (name) => ["objects", "propSet", "rootSnapshotList", "childSnapshotList"].includes(name),
});

type Node = Record<string, unknown>;

/** The text of an element that may carry attributes (`<x type="T">text</x>`). */
function text(v: unknown): string {
  if (v && typeof v === "object") return String((v as Node)["#text"] ?? "");
  return v === undefined ? "" : String(v);
}

export class VcsimTruth {
  private cookie?: string;
  private content?: { propertyCollector: string; viewManager: string; rootFolder: string; sessionManager: string };

  constructor(private readonly sim: Vcsim) {}

  async vms(): Promise<TruthVm[]> {
    const pc = (await this.session()).propertyCollector;
    // A view of its own per read: what it lists is the inventory as of now.
    const view = await this.vmView();
    try {
      return await this.read(pc, view);
    } finally {
      await this.call("DestroyView", view, "");
    }
  }

  private async read(pc: string, view: string): Promise<TruthVm[]> {
    const spec =
      `<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet><pathSet>runtime.powerState</pathSet>` +
      `<pathSet>config.instanceUuid</pathSet><pathSet>snapshot</pathSet></propSet>` +
      `<objectSet><obj type="ContainerView">${view}</obj><skip>true</skip><selectSet xsi:type="TraversalSpec">` +
      `<name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet>`;
    let answer = await this.call("RetrievePropertiesEx", pc, `${spec}<options/>`);
    const objects: Node[] = [];
    for (;;) {
      const rv = answer.RetrievePropertiesExResponse ?? answer.ContinueRetrievePropertiesExResponse;
      const returnval = (rv as Node | undefined)?.returnval as Node | undefined;
      objects.push(...((returnval?.objects as Node[] | undefined) ?? []));
      const token = text(returnval?.token);
      if (!token) break;
      answer = await this.call("ContinueRetrievePropertiesEx", pc, `<token>${token}</token>`);
    }
    return objects.map((o) => vmOf(o));
  }

  async close(): Promise<void> {
    if (!this.cookie || !this.content) return;
    await this.call("Logout", this.content.sessionManager, "").catch(() => undefined);
    this.cookie = undefined;
  }

  private async session(): Promise<NonNullable<VcsimTruth["content"]>> {
    if (!this.content) {
      const sc = await this.call("RetrieveServiceContent", "ServiceInstance", `<_this type="ServiceInstance">ServiceInstance</_this>`, true);
      const rv = (sc.RetrieveServiceContentResponse as Node).returnval as Node;
      this.content = {
        propertyCollector: text(rv.propertyCollector),
        viewManager: text(rv.viewManager),
        rootFolder: text(rv.rootFolder),
        sessionManager: text(rv.sessionManager),
      };
    }
    if (!this.cookie) {
      const user = escape(this.sim.username);
      const password = escape(this.sim.password);
      await this.call("Login", this.content.sessionManager, `<userName>${user}</userName><password>${password}</password>`);
    }
    return this.content;
  }

  private async vmView(): Promise<string> {
    const c = await this.session();
    const answer = await this.call(
      "CreateContainerView",
      c.viewManager,
      `<container type="Folder">${c.rootFolder}</container><type>VirtualMachine</type><recursive>true</recursive>`,
    );
    return text((answer.CreateContainerViewResponse as Node).returnval);
  }

  /** One SOAP call; `self` is the managed object's value, its type taken from the method. */
  private call(method: string, self: string, inner: string, rawThis = false): Promise<Node> {
    const selfType: Record<string, string> = {
      RetrievePropertiesEx: "PropertyCollector",
      ContinueRetrievePropertiesEx: "PropertyCollector",
      Login: "SessionManager",
      Logout: "SessionManager",
      CreateContainerView: "ViewManager",
      DestroyView: "ContainerView",
    };
    const thisEl = rawThis ? "" : `<_this type="${selfType[method]}">${self}</_this>`;
    const body = ENVELOPE(`<${method} ${VIM}>${thisEl}${inner}</${method}>`);
    return new Promise((resolve, reject) => {
      const req = request(
        this.sim.url,
        {
          method: "POST",
          ca: this.sim.caCert,
          timeout: 15_000,
          headers: { "content-type": "text/xml; charset=utf-8", soapaction: "urn:vim25/7.0", ...(this.cookie && { cookie: this.cookie }) },
        },
        (res) => {
          let xml = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (xml += d));
          res.on("end", () => {
            const cookie = ([] as string[]).concat(res.headers["set-cookie"] ?? []).find((c) => c.startsWith("vmware_soap_session="));
            if (cookie) this.cookie = cookie.split(";")[0];
            const envelope = (parser.parse(xml) as Node).Envelope as Node | undefined;
            const bodyNode = envelope?.Body as Node | undefined;
            if (res.statusCode !== 200 || !bodyNode) return reject(new Error(`vcsim ${method}: HTTP ${res.statusCode}: ${xml.slice(0, 500)}`));
            resolve(bodyNode);
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`vcsim ${method}: no answer in 15 s`)));
      req.on("error", reject);
      req.end(body);
    });
  }
}

function vmOf(o: Node): TruthVm {
  const props = new Map<string, unknown>();
  for (const p of (o.propSet as Node[] | undefined) ?? []) props.set(text(p.name), p.val);
  const snapshots: TruthVm["snapshots"] = [];
  const info = props.get("snapshot") as Node | undefined;
  const walk = (trees: Node[] | undefined) => {
    for (const t of trees ?? []) {
      snapshots.push({ id: text(t.snapshot), name: text(t.name) });
      walk(t.childSnapshotList as Node[] | undefined);
    }
  };
  walk(info?.rootSnapshotList as Node[] | undefined);
  const current = info && text(info.currentSnapshot);
  return {
    id: text(props.get("config.instanceUuid")),
    name: text(props.get("name")),
    state: POWER[text(props.get("runtime.powerState"))] ?? "unknown",
    snapshots,
    currentSnapshot: current || undefined,
  };
}

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
