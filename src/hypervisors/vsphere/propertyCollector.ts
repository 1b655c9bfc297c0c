import { HypervisorError } from "../../core/errors";
import { MoRef, XmlFields, typed } from "./encode";
import { isFault, localizedFaultError } from "./faults";
import type { Call, ServiceContent } from "./session";
import { refOf } from "./session";
import { XmlElement, child, childText, children } from "./xml";

/**
 * Reading properties in bulk: a container view over the inventory, and RetrievePropertiesEx with
 * `maxObjects` pages (ContinueRetrievePropertiesEx with the token until none is left). All of it
 * runs inside one session unit: views and tokens belong to the session that made them.
 */

export interface ObjectContent {
  obj: MoRef;
  /** Property path -> its `val` element. Properties without a value are absent (servers leave them out). */
  props: Map<string, XmlElement>;
  /** Properties the server could not read, with the reason. */
  missing: Array<{ path: string; error: HypervisorError }>;
}

export interface PropertySpec {
  type: string;
  pathSet: readonly string[];
}

/** Objects per page: large enough for few round trips, small enough to bound one answer's size. */
export const DEFAULT_PAGE_SIZE = 1000;

/** Every object the spec selects, across all pages. */
export async function retrieveAll(
  call: Call,
  content: ServiceContent,
  specSet: XmlFields,
  maxObjects = DEFAULT_PAGE_SIZE,
): Promise<ObjectContent[]> {
  const out: ObjectContent[] = [];
  let answer = await call(
    "RetrievePropertiesEx",
    content.propertyCollector,
    { specSet, options: { maxObjects } },
    { idempotent: true },
  );
  for (;;) {
    const result = child(answer, "returnval");
    out.push(...children(result, "objects").map(objectContent));
    const token = childText(result, "token");
    if (!token) return out;
    answer = await call("ContinueRetrievePropertiesEx", content.propertyCollector, { token }, { idempotent: false });
  }
}

/**
 * One object's properties; undefined when the object no longer exists.
 * Throws NotAuthenticated when that is why properties are missing, so that the unit logs in again.
 */
export async function readObject(
  call: Call,
  content: ServiceContent,
  obj: MoRef,
  pathSet: readonly string[],
): Promise<ObjectContent | undefined> {
  try {
    const [found] = await retrieveAll(call, content, {
      propSet: { type: obj.type, pathSet: [...pathSet] },
      objectSet: { obj, skip: false },
    });
    return found;
  } catch (e) {
    if (isFault(e, "ManagedObjectNotFound")) return undefined;
    throw e;
  }
}

/** The spec that reads `propSet` of every object in a container view (not the view itself). */
export function viewSpec(view: MoRef, propSet: readonly PropertySpec[]): XmlFields {
  return {
    propSet: propSet.map((p) => ({ type: p.type, pathSet: [...p.pathSet] })),
    objectSet: {
      obj: view,
      skip: true,
      selectSet: typed("TraversalSpec", { name: "view", type: "ContainerView", path: "view", skip: false }),
    },
  };
}

/** Runs `fn` with a container view of `types` under `container`, and destroys the view afterwards. */
export async function withContainerView<T>(
  call: Call,
  content: ServiceContent,
  container: MoRef,
  types: readonly string[],
  recursive: boolean,
  fn: (view: MoRef) => Promise<T>,
): Promise<T> {
  // Safe to send again after a lost answer: a second view is harmless, and ends with the session.
  const answer = await call("CreateContainerView", content.viewManager, { container, type: [...types], recursive }, { idempotent: true });
  const view = refOf(child(answer, "returnval"));
  if (!view) throw malformed("CreateContainerView answered without a view");
  try {
    return await fn(view);
  } finally {
    // Views live until the session ends; destroying ours keeps a long-lived session small.
    await call("DestroyView", view, {}).catch(() => undefined);
  }
}

function objectContent(el: XmlElement): ObjectContent {
  const obj = refOf(child(el, "obj"));
  if (!obj) throw malformed("RetrievePropertiesEx answered an object without a reference");
  const props = new Map<string, XmlElement>();
  for (const p of children(el, "propSet")) {
    const name = childText(p, "name");
    const val = child(p, "val");
    if (name !== undefined && val) props.set(name, val);
  }
  const missing = children(el, "missingSet").map((m) => {
    const fault = child(m, "fault");
    return { path: childText(m, "path") ?? "", error: fault ? localizedFaultError(fault) : localizedFaultError(m) };
  });
  // vcsim, and real servers for some properties, report a lost session per property instead of as a fault.
  const unauthenticated = missing.find((m) => isFault(m.error, "NotAuthenticated"));
  if (unauthenticated) throw unauthenticated.error;
  return { obj, props, missing };
}

function malformed(what: string): HypervisorError {
  return new HypervisorError(what, { kind: "server", code: "MalformedAnswer" });
}
