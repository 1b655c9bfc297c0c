import { XMLParser, XMLValidator } from "fast-xml-parser";
import { HypervisorError } from "../../core/errors";

/**
 * Reading vim25 SOAP answers. fast-xml-parser turns the text into an ordered tree, and this file
 * turns that into `XmlElement`s that say what the vim25 reader needs and nothing more:
 * - every element keeps all its children, in order, so a list of one is still a list
 *   (`objects`, `propSet`, `missingSet`, `rootSnapshotList`, ... need no list of names to keep);
 * - values stay text (a VM named "0123" or a UUID must not become a number);
 * - the XML-Schema-instance `type` attribute is recognized whatever prefix declares it (vcsim writes
 *   `XMLSchema-instance:type` with its own declaration, real servers `xsi:type`), and is kept apart
 *   from a managed object reference's own `type` attribute.
 */

export const XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance";

export interface XmlElement {
  /** Local name, without namespace prefix. */
  readonly name: string;
  /** The XML-Schema-instance type, without its prefix: "VirtualMachinePowerState", "ArrayOfGuestNicInfo". */
  readonly xsiType?: string;
  /** A managed object reference's `type` attribute: "VirtualMachine". */
  readonly refType?: string;
  /** The element's own text (its text nodes joined), entities decoded, untrimmed. */
  readonly text: string;
  readonly children: readonly XmlElement[];
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  // Decodes numeric character references (&#xA;, &#233;) too, which vcsim and real servers both write.
  htmlEntities: true,
});

type OrderedNode = Record<string, unknown> & { ":@"?: Record<string, string> };

/** Parses a SOAP document into its root element. Throws a `server` error on anything that is not XML we accept. */
export function parseXml(xml: string): XmlElement {
  // A SOAP answer never declares a DOCTYPE; refusing one rules out entity-expansion tricks.
  if (/<!DOCTYPE/i.test(xml)) throw malformed("the answer declares a DOCTYPE");
  // The parser alone accepts unclosed elements; a cut-off answer must not pass for a short one.
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw malformed(`${valid.err.msg} (line ${valid.err.line})`);
  let ordered: OrderedNode[];
  try {
    ordered = parser.parse(xml) as OrderedNode[];
  } catch (e) {
    throw malformed((e as Error).message);
  }
  const roots = ordered.map((n) => convert(n, new Map())).filter((e): e is XmlElement => e !== undefined);
  if (roots.length !== 1) throw malformed(`expected one root element, found ${roots.length}`);
  return roots[0];
}

function malformed(why: string): HypervisorError {
  return new HypervisorError(`the server's answer is not valid SOAP XML: ${why}`, { kind: "server", code: "MalformedAnswer" });
}

function convert(node: OrderedNode, outerScope: ReadonlyMap<string, string>): XmlElement | undefined {
  const tag = Object.keys(node).find((k) => k !== ":@" && k !== "#text");
  if (tag === undefined) return undefined;
  const attrs = node[":@"] ?? {};
  const scope = new Map(outerScope);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("xmlns:")) scope.set(k.slice(6), v);
  }
  let xsiType: string | undefined;
  let refType: string | undefined;
  for (const [k, v] of Object.entries(attrs)) {
    const colon = k.indexOf(":");
    if (colon < 0) {
      if (k === "type") refType = v;
    } else if (k.slice(colon + 1) === "type" && scope.get(k.slice(0, colon)) === XSI_NAMESPACE) {
      xsiType = localName(v);
    }
  }
  const children: XmlElement[] = [];
  let text = "";
  for (const child of (node[tag] as OrderedNode[]) ?? []) {
    if ("#text" in child) text += String(child["#text"]);
    else {
      const el = convert(child, scope);
      if (el) children.push(el);
    }
  }
  return { name: localName(tag), xsiType, refType, text, children };
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(":");
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

/** The first child with this local name. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** Every child with this local name (an empty list when there is none). */
export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** The text of the first child with this name, or undefined when there is no such child. */
export function childText(el: XmlElement | undefined, name: string): string | undefined {
  return child(el, name)?.text;
}

/** Follows a path of child names: path(x, "returnval", "objects"). */
export function path(el: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let at = el;
  for (const n of names) at = child(at, n);
  return at;
}
