import { HypervisorError } from "../../core/errors";

/**
 * Reading vim25 SOAP answers into `XmlElement`s that say what the vim25 reader needs and nothing more:
 * - every element keeps all its children, in order, so a list of one is still a list
 *   (`objects`, `propSet`, `missingSet`, `rootSnapshotList`, ... need no list of names to keep);
 * - values stay text (a VM named "0123" or a UUID must not become a number);
 * - the XML-Schema-instance `type` attribute is recognized whatever prefix declares it (vcsim writes
 *   `XMLSchema-instance:type` with its own declaration, real servers `xsi:type`), and is kept apart
 *   from a managed object reference's own `type` attribute.
 *
 * The reader is written for this job instead of a general parser: an inventory answer of a few
 * thousand VMs is megabytes of XML, and a generic parser (validate, build its own tree, convert)
 * cost several times the server's own time. It checks what matters for trusting an answer — tags
 * nest and close, one root, attributes quoted, known entities only, no DOCTYPE — in one pass.
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

interface Building {
  name: string;
  xsiType: string | undefined;
  refType: string | undefined;
  text: string;
  /** Given when the element closes, sized to fit; NO_CHILDREN for leaves (most elements). */
  children: XmlElement[];
}

/** Namespace prefixes in scope, innermost first: a chain, so that declaring one costs no copy. */
interface Prefix {
  prefix: string;
  uri: string;
  outer: Prefix | undefined;
}

const NO_CHILDREN = Object.freeze([]) as unknown as XmlElement[];
const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const LT = 60;
const GT = 62;
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const EQUALS = 61;

/** Parses a SOAP document into its root element. Throws a `server` error on anything that is not XML we accept. */
export function parseXml(xml: string): XmlElement {
  const reader = new XmlReader();
  reader.feed(xml);
  return reader.end();
}

/**
 * A start tag, exactly as scanStartTag accepts one: a name up to a blank, "<", ">" or "/";
 * attributes (blanks optional between them, as there) whose quoted values hold no "<"; blanks;
 * then ">" or "/>". ATTRIBUTE takes the attributes one by one from what START_TAG matched.
 */
const START_TAG = /<([^ \t\r\n<>/]+)((?:[ \t\r\n]*[^ \t\r\n<>/=]+[ \t\r\n]*=[ \t\r\n]*(?:"[^"<]*"|'[^'<]*'))*)[ \t\r\n]*(\/?)>/y;
const ATTRIBUTE = /[ \t\r\n]*([^ \t\r\n<>/=]+)[ \t\r\n]*=[ \t\r\n]*(?:"([^"<]*)"|'([^'<]*)')/y;

/** Thrown inside the reader when a construct runs past the text fed so far; it is read again with more. */
const NEED_MORE = Symbol("need more text");

/**
 * One pass over the text, fed in pieces as they arrive (an answer of megabytes is read while the
 * rest of it is still on the wire), with the same checks as reading it whole. The open elements are
 * parallel stacks (element, name as written, prefixes in scope).
 */
export class XmlReader {
  /** The text fed and not yet read: what remains of the last piece, then the new one. */
  private xml = "";
  private pos = 0;
  /** Characters dropped from the front of `xml` so far, for offsets in messages. */
  private offset = 0;
  /** True once the whole text is in: running past its end is an error, not a wait. */
  private final = false;
  private started = false;
  private root: Building | undefined;
  private readonly open: Building[] = [];
  /**
   * The children of every open element, in one array: an element's own start where
   * `childrenFrom` says. Each element gets an array of its exact size when it closes; grown one
   * push at a time, a list of two would reserve seventeen slots, and an answer has tens of thousands.
   */
  private readonly pending: XmlElement[] = [];
  private readonly childrenFrom: number[] = [];
  private readonly qnames: string[] = [];
  private readonly scopes: Array<Prefix | undefined> = [];
  /** The attributes of the tag being read, reused from tag to tag. */
  private readonly attrNames: string[] = [];
  private readonly attrValues: string[] = [];

  /** Reads what `text` completes; a construct it leaves unfinished waits for the next piece. */
  feed(text: string): void {
    if (!this.started && text !== "") {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.offset += this.pos;
    this.xml = this.pos < this.xml.length ? this.xml.slice(this.pos) + text : text;
    this.pos = 0;
    this.read();
  }

  /** The document, once all of it has been fed. */
  end(): XmlElement {
    this.final = true;
    this.read();
    if (this.open.length > 0) throw malformed(`<${this.qnames[this.qnames.length - 1]}> is not closed`);
    if (!this.root) throw malformed("no root element");
    return this.root;
  }

  private read(): void {
    const xml = this.xml;
    while (this.pos < xml.length) {
      const lt = xml.indexOf("<", this.pos);
      // Text is taken up to the next tag only: an entity may be cut at the end of a piece.
      if (lt < 0 && !this.final) return;
      const textEnd = lt < 0 ? xml.length : lt;
      if (textEnd > this.pos) this.addText(xml.slice(this.pos, textEnd), false);
      if (lt < 0) {
        this.pos = xml.length;
        return;
      }
      this.pos = lt;
      try {
        const next = xml.charCodeAt(lt + 1);
        if (next === SLASH) this.pos = this.closeTag(lt);
        else if (next === QUESTION) this.pos = this.skipPast(lt + 2, "?>", "processing instruction");
        else if (next === BANG) this.pos = this.markupDeclaration(lt);
        else this.pos = this.openTag(lt);
      } catch (e) {
        if (e === NEED_MORE) return;
        throw e;
      }
    }
  }

  /** At `i`, the text fed so far has ended: wait for more, or, when it is all in, go on to the error. */
  private ranOut(i: number): void {
    if (i >= this.xml.length && !this.final) throw NEED_MORE;
  }

  /** Text inside the current element (decoded unless it is CDATA); outside the root only blanks may stand. */
  private addText(raw: string, cdata: boolean): void {
    const top = this.open[this.open.length - 1];
    if (top) top.text += cdata ? raw : decodeEntities(raw);
    else if (cdata || raw.trim() !== "") throw malformed("text outside the root element");
  }

  /**
   * A start tag in one native match, as scanStartTag would read it: cold, a regular expression
   * runs as compiled code at once, where the character loops below wait for the JIT. Undefined
   * when it does not match (a tag cut at the end of a piece, or a malformed one): then the scan
   * reads it and says what is wrong or waits for more.
   */
  private matchStartTag(lt: number): { qname: string; end: number; selfClosing: boolean } | undefined {
    START_TAG.lastIndex = lt;
    const m = START_TAG.exec(this.xml);
    if (!m) return undefined;
    const [, qname, attributes, slash] = m;
    if (attributes !== "") {
      ATTRIBUTE.lastIndex = 0;
      for (let a = ATTRIBUTE.exec(attributes); a; a = ATTRIBUTE.exec(attributes)) {
        if (this.attrNames.includes(a[1])) throw malformed(`the attribute ${a[1]} appears twice in <${qname}>`);
        this.attrNames.push(a[1]);
        this.attrValues.push(decodeEntities(a[2] ?? a[3]));
      }
    }
    return { qname, end: START_TAG.lastIndex, selfClosing: slash === "/" };
  }

  /** A start tag read character by character, with a precise message for each way it can be wrong. */
  private scanStartTag(lt: number): { qname: string; end: number; selfClosing: boolean } {
    const xml = this.xml;
    let i = lt + 1;
    while (i < xml.length && !isNameEnd(xml.charCodeAt(i))) i++;
    this.ranOut(i);
    const qname = xml.slice(lt + 1, i);
    if (qname === "") throw malformed(`a tag without a name at offset ${this.offset + lt}`);
    const names = this.attrNames;
    const values = this.attrValues;
    names.length = 0;
    values.length = 0;
    let selfClosing = false;
    for (;;) {
      while (isBlank(xml.charCodeAt(i))) i++;
      this.ranOut(i + 1);
      const c = xml.charCodeAt(i);
      if (c === GT) {
        i++;
        break;
      }
      if (c === SLASH && xml.charCodeAt(i + 1) === GT) {
        selfClosing = true;
        i += 2;
        break;
      }
      if (Number.isNaN(c)) throw malformed(`the tag <${qname}> is cut off`);
      const nameStart = i;
      while (i < xml.length && !isNameEnd(xml.charCodeAt(i)) && xml.charCodeAt(i) !== EQUALS) i++;
      const attr = xml.slice(nameStart, i);
      while (isBlank(xml.charCodeAt(i))) i++;
      this.ranOut(i);
      if (attr === "" || xml.charCodeAt(i) !== EQUALS) throw malformed(`a malformed attribute in <${qname}>`);
      i++;
      while (isBlank(xml.charCodeAt(i))) i++;
      this.ranOut(i);
      const quote = xml[i];
      if (quote !== '"' && quote !== "'") throw malformed(`the attribute ${attr} of <${qname}> is not quoted`);
      const close = xml.indexOf(quote, i + 1);
      if (close < 0) this.ranOut(xml.length);
      if (close < 0) throw malformed(`the attribute ${attr} of <${qname}> is cut off`);
      const raw = xml.slice(i + 1, close);
      if (raw.includes("<")) throw malformed(`"<" in the attribute ${attr} of <${qname}>`);
      if (names.includes(attr)) throw malformed(`the attribute ${attr} appears twice in <${qname}>`);
      names.push(attr);
      values.push(decodeEntities(raw));
      i = close + 1;
    }
    return { qname, end: i, selfClosing };
  }

  private openTag(lt: number): number {
    const names = this.attrNames;
    const values = this.attrValues;
    names.length = 0;
    values.length = 0;
    const tag = this.matchStartTag(lt) ?? this.scanStartTag(lt);
    const { qname, selfClosing } = tag;
    const depth = this.open.length;
    const parent = depth > 0 ? this.open[depth - 1] : undefined;
    let scope = depth > 0 ? this.scopes[depth - 1] : undefined;
    let xsiType: string | undefined;
    let refType: string | undefined;
    for (let a = 0; a < names.length; a++) if (names[a].startsWith("xmlns:")) scope = { prefix: names[a].slice(6), uri: values[a], outer: scope };
    for (let a = 0; a < names.length; a++) {
      const k = names[a];
      const colon = k.indexOf(":");
      if (colon < 0) {
        if (k === "type") refType = values[a];
      } else if (k.endsWith(":type") && k.length === colon + 5 && namespaceOf(scope, k.slice(0, colon)) === XSI_NAMESPACE) {
        xsiType = localName(values[a]);
      }
    }
    const el: Building = { name: localName(qname), xsiType, refType, text: "", children: NO_CHILDREN };
    if (parent) this.pending.push(el);
    else {
      if (this.root) throw malformed("more than one root element");
      this.root = el;
    }
    if (!selfClosing) {
      this.open.push(el);
      this.childrenFrom.push(this.pending.length);
      this.qnames.push(qname);
      this.scopes.push(scope);
    }
    return tag.end;
  }

  private closeTag(lt: number): number {
    const gt = this.xml.indexOf(">", lt + 2);
    if (gt < 0) this.ranOut(this.xml.length);
    if (gt < 0) throw malformed("a closing tag is cut off");
    const qname = this.xml.slice(lt + 2, gt).trimEnd();
    const open = this.qnames.pop();
    if (open === undefined) throw malformed(`</${qname}> closes no element`);
    if (open !== qname) throw malformed(`</${qname}> closes <${open}>`);
    const el = this.open.pop()!;
    const from = this.childrenFrom.pop()!;
    if (this.pending.length > from) {
      el.children = this.pending.slice(from);
      this.pending.length = from;
    }
    this.scopes.pop();
    return gt + 1;
  }

  /** Comments are skipped, CDATA is text; a DOCTYPE (or any other declaration) is refused: no entity expansion tricks. */
  private markupDeclaration(lt: number): number {
    const xml = this.xml;
    this.ranOut(lt + 8); // enough to tell a comment, CDATA and a DOCTYPE apart
    if (xml.startsWith("<!--", lt)) return this.skipPast(lt + 4, "-->", "comment");
    if (xml.startsWith("<![CDATA[", lt)) {
      const end = xml.indexOf("]]>", lt + 9);
      if (end < 0) this.ranOut(xml.length);
      if (end < 0) throw malformed("a CDATA section is cut off");
      this.addText(xml.slice(lt + 9, end), true);
      return end + 3;
    }
    if (xml.slice(lt + 2, lt + 9).toUpperCase() === "DOCTYPE") throw malformed("the answer declares a DOCTYPE");
    throw malformed(`an unexpected declaration at offset ${this.offset + lt}`);
  }

  private skipPast(from: number, terminator: string, what: string): number {
    const end = this.xml.indexOf(terminator, from);
    if (end < 0) this.ranOut(this.xml.length);
    if (end < 0) throw malformed(`a ${what} is cut off`);
    return end + terminator.length;
  }
}

function namespaceOf(scope: Prefix | undefined, prefix: string): string | undefined {
  for (let p = scope; p; p = p.outer) if (p.prefix === prefix) return p.uri;
  return undefined;
}

/** The five XML entities and character references; anything else after "&" is not XML. */
function decodeEntities(raw: string): string {
  let amp = raw.indexOf("&");
  if (amp < 0) return raw;
  let out = "";
  let from = 0;
  while (amp >= 0) {
    const semi = raw.indexOf(";", amp + 1);
    const ref = semi < 0 ? "" : raw.slice(amp + 1, semi);
    out += raw.slice(from, amp) + entityValue(ref);
    from = semi + 1;
    amp = raw.indexOf("&", from);
  }
  return out + raw.slice(from);
}

function entityValue(ref: string): string {
  const named = NAMED_ENTITIES[ref];
  if (named !== undefined) return named;
  const code = /^#x[0-9a-fA-F]{1,6}$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]{1,7}$/.test(ref) ? parseInt(ref.slice(1), 10) : NaN;
  if (code >= 0 && code <= 0x10ffff) return String.fromCodePoint(code);
  throw malformed(`an unknown entity or a bare "&" (&${ref.slice(0, 12)}...)`);
}

function isBlank(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** A name ends at a blank, ">", "/" or the end of the text. */
function isNameEnd(c: number): boolean {
  return isBlank(c) || c === GT || c === SLASH || c === LT;
}

function malformed(why: string): HypervisorError {
  return new HypervisorError(`the server's answer is not valid SOAP XML: ${why}`, { kind: "server", code: "MalformedAnswer" });
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
