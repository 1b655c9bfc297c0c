/**
 * Writing vim25 request bodies. Parameters are given as ordered objects (JS keeps string keys in
 * insertion order), written in the order the API declares them, as govmomi, pyVmomi and rbvmomi do.
 * Every piece of text and every attribute value is escaped, so that a VM or snapshot named
 * `a&b<c>"d'` reaches the server literally; text XML cannot carry (NUL) is refused before sending.
 */

import { HypervisorError } from "../../core/errors";

/** A managed object reference: `<name type="VirtualMachine">vm-123</name>`. */
export class MoRef {
  constructor(
    readonly type: string,
    readonly value: string,
  ) {}

  toString(): string {
    return `${this.type}:${this.value}`;
  }

  equals(other: MoRef | undefined): boolean {
    return other !== undefined && other.type === this.type && other.value === this.value;
  }
}

/** A data object written with its XML-Schema-instance type (`<selectSet xsi:type="TraversalSpec">`). */
export class Typed {
  constructor(
    readonly xsiType: string,
    readonly fields: XmlFields,
  ) {}
}

export type XmlValue = string | number | boolean | MoRef | Typed | XmlFields | readonly XmlValue[];
export interface XmlFields {
  readonly [name: string]: XmlValue | undefined;
}

export function typed(xsiType: string, fields: XmlFields): Typed {
  return new Typed(xsiType, fields);
}

// A carriage return is written as a reference: a parser turns a literal one into a line feed.
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#13;" };

/** What XML 1.0 cannot carry at all, not even as a character reference: most C0 controls (NUL...), U+FFFE, U+FFFF, lone surrogates. */
const UNREPRESENTABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function escapeXml(text: string): string {
  const bad = UNREPRESENTABLE.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    // Refused here rather than sent: the server would only answer with an XML syntax error. The
    // text is not repeated: it may be a password.
    throw new HypervisorError(`the request holds the character U+${code}, which XML, and so the vSphere API, cannot carry`, {
      kind: "invalid-input",
      hint: "Leave control characters such as NUL out of names and descriptions",
    });
  }
  return text.replace(/[&<>"'\r]/g, (c) => ESCAPES[c]);
}

/** One element per value; arrays repeat the element; undefined fields are left out. */
export function encodeElement(name: string, value: XmlValue | undefined): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => encodeElement(name, v)).join("");
  if (value instanceof MoRef) return `<${name} type="${escapeXml(value.type)}">${escapeXml(value.value)}</${name}>`;
  if (value instanceof Typed) return `<${name} xsi:type="${escapeXml(value.xsiType)}">${encodeFields(value.fields)}</${name}>`;
  if (typeof value === "object") return `<${name}>${encodeFields(value as XmlFields)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function encodeFields(fields: XmlFields): string {
  return Object.entries(fields)
    .map(([k, v]) => encodeElement(k, v))
    .join("");
}

/** The whole SOAP envelope of one call on `self`. */
export function encodeEnvelope(method: string, self: MoRef, params: XmlFields): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
    `xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<soapenv:Body><${method} xmlns="urn:vim25">${encodeElement("_this", self)}${encodeFields(params)}</${method}>` +
    `</soapenv:Body></soapenv:Envelope>`
  );
}
