import { child, childText, children, parseXml, path, XmlReader } from "./xml";

describe("parseXml", () => {
  it("recognizes the XML-Schema-instance type whatever prefix declares it, and keeps a moref's own type apart", () => {
    // As vcsim writes it: its own prefix, declared on the element itself.
    const vcsim = parseXml(
      `<r><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ManagedObjectReference" type="HostSystem">host-21</val></r>`,
    );
    expect(child(vcsim, "val")).toMatchObject({ xsiType: "ManagedObjectReference", refType: "HostSystem", text: "host-21" });
    // As real servers write it: xsi declared on the envelope, far above.
    const real = parseXml(
      `<e:Envelope xmlns:e="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><e:Body><val xsi:type="xsd:string">web</val></e:Body></e:Envelope>`,
    );
    expect(path(real, "Body", "val")).toMatchObject({ xsiType: "string", refType: undefined, text: "web" });
  });

  it("does not take a type attribute of another namespace for the schema type", () => {
    const el = parseXml(`<r xmlns:foo="urn:other"><val foo:type="Nope" type="VirtualMachine">vm-1</val></r>`);
    expect(child(el, "val")).toMatchObject({ xsiType: undefined, refType: "VirtualMachine" });
  });

  it("keeps values as text: a name of digits and a UUID stay what they are", () => {
    const el = parseXml(`<r><name>0123</name><n>1e5</n><u>12f8928d-f144-5c57-89db-dd2d0902c9fa</u><b>true</b></r>`);
    expect(childText(el, "name")).toBe("0123");
    expect(childText(el, "n")).toBe("1e5");
    expect(childText(el, "u")).toBe("12f8928d-f144-5c57-89db-dd2d0902c9fa");
    expect(childText(el, "b")).toBe("true");
  });

  it("parses a list of one element as a list", () => {
    const el = parseXml(`<returnval><objects><obj type="VirtualMachine">vm-1</obj><propSet><name>name</name><val>a</val></propSet></objects></returnval>`);
    expect(children(el, "objects")).toHaveLength(1);
    expect(children(children(el, "objects")[0], "propSet")).toHaveLength(1);
    expect(children(el, "missingSet")).toEqual([]);
  });

  it("decodes entities and character references and keeps surrounding spaces of values", () => {
    const el = parseXml(`<r><name> a&amp;b&lt;c&gt;&quot;d&apos;&#xA;&#233; </name><lit>&amp;#233;</lit></r>`);
    expect(childText(el, "name")).toBe(` a&b<c>"d'\né `);
    expect(childText(el, "lit")).toBe("&#233;");
  });

  it("refuses a document with a DOCTYPE (no entity expansion games)", () => {
    expect(() => parseXml(`<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>`)).toThrow(/DOCTYPE/);
  });

  it("refuses what is not XML with a server error", () => {
    expect(() => parseXml("<html><body>Bad gateway")).toThrow(expect.objectContaining({ kind: "server", code: "MalformedAnswer" }));
  });

  it.each([
    ["a cut-off answer", `<r><objects><obj type="VirtualMachine">vm-1</obj>`, /not closed/],
    ["a tag cut off inside its attributes", `<r><obj type="VirtualMach`, /cut off/],
    ["crossed tags", `<r><a></r></a>`, /<\/r> closes <a>/],
    ["two roots", `<r/><s/>`, /more than one root/],
    ["text beside the root", `<r/>trailing`, /outside the root/],
    ["an undeclared entity", `<r>&nbsp;</r>`, /unknown entity/],
    ["a bare ampersand", `<r>a & b</r>`, /unknown entity or a bare "&"/],
    ["an unquoted attribute", `<r type=VirtualMachine/>`, /not quoted/],
    ["a repeated attribute", `<r type="a" type="b"/>`, /appears twice/],
  ])("refuses %s", (_what, xml, message) => {
    expect(() => parseXml(xml)).toThrow(message);
  });

  it("reads CDATA as text, skips comments and the declaration, and keeps self-closed elements", () => {
    const el = parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<!-- note --><r><a><![CDATA[<not a tag> &amp;]]></a><!-- inner --><b/><c type="Task"/></r>\n`);
    expect(childText(el, "a")).toBe("<not a tag> &amp;");
    expect(el.children.map((c) => c.name)).toEqual(["a", "b", "c"]);
    expect(child(el, "c")).toMatchObject({ refType: "Task", text: "" });
  });

  it("resolves a prefix declared on an outer element after an inner element declared another", () => {
    const el = parseXml(
      `<r xmlns:x="http://www.w3.org/2001/XMLSchema-instance"><a xmlns:y="urn:other"><v y:type="No">1</v></a><v x:type="xsd:boolean">true</v></r>`,
    );
    expect(path(el, "a", "v")?.xsiType).toBeUndefined();
    expect(child(el, "v")?.xsiType).toBe("boolean");
  });
});

describe("XmlReader fed in pieces", () => {
  const DOCUMENT =
    `\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- note --><e:Envelope xmlns:e="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
    `<e:Body><r><a><![CDATA[<not a tag> &amp;]]></a><!-- inner --><b/><val xsi:type="xsd:string" type='Task'> a&amp;b&#233; </val>` +
    `<v xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ManagedObjectReference" type="HostSystem">host-21</v>` +
    `<c  type = "x" /></r></e:Body></e:Envelope>\n`;

  function inPieces(xml: string, cuts: readonly number[]) {
    const reader = new XmlReader();
    let from = 0;
    for (const cut of [...cuts, xml.length]) {
      reader.feed(xml.slice(from, cut));
      from = cut;
    }
    return reader.end();
  }

  it("reads the same tree wherever the text is cut, even inside a tag, an entity, a comment or CDATA", () => {
    const whole = parseXml(DOCUMENT);
    for (let cut = 0; cut <= DOCUMENT.length; cut++) expect(inPieces(DOCUMENT, [cut])).toEqual(whole);
    expect(inPieces(DOCUMENT, Array.from({ length: DOCUMENT.length }, (_, i) => i))).toEqual(whole);
  });

  it.each([
    ["a cut-off answer", `<r><objects><obj type="VirtualMachine">vm-1</obj>`, /not closed/],
    ["a tag cut off inside its attributes", `<r><obj type="VirtualMach`, /cut off/],
    ["crossed tags", `<r><a></r></a>`, /<\/r> closes <a>/],
    ["a bare ampersand", `<r>a & b</r>`, /unknown entity or a bare "&"/],
    ["a DOCTYPE", `<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>`, /DOCTYPE/],
  ])("refuses %s however it arrives, one character at a time included", (_what, xml, message) => {
    expect(() => inPieces(xml, Array.from({ length: xml.length }, (_, i) => i))).toThrow(message);
    expect(() => inPieces(xml, [Math.floor(xml.length / 2)])).toThrow(message);
  });
});
