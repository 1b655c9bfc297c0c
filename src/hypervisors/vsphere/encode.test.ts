import { MoRef, encodeEnvelope, encodeFields, escapeXml, typed } from "./encode";
import { childText, parseXml, path } from "./xml";

describe("encoding requests", () => {
  it("escapes all five XML specials in text and attributes", () => {
    expect(escapeXml(`a&b<c>"d'`)).toBe("a&amp;b&lt;c&gt;&quot;d&apos;");
    expect(encodeFields({ name: `a&b<c>"d'`, vm: new MoRef(`T"<`, `v&'>`) })).toBe(
      `<name>a&amp;b&lt;c&gt;&quot;d&apos;</name><vm type="T&quot;&lt;">v&amp;&apos;&gt;</vm>`,
    );
  });

  it("writes fields in the order given, repeats arrays and leaves undefined out", () => {
    expect(encodeFields({ b: 1, a: [true, false], skipped: undefined, c: { d: "x" } })).toBe("<b>1</b><a>true</a><a>false</a><c><d>x</d></c>");
  });

  it("writes typed data objects with xsi:type", () => {
    expect(encodeFields({ selectSet: typed("TraversalSpec", { name: "view", path: "view" }) })).toBe(
      `<selectSet xsi:type="TraversalSpec"><name>view</name><path>view</path></selectSet>`,
    );
  });

  it("builds an envelope that reads back to the same hostile text", () => {
    const hostile = `a&b<c>"d' ]]> <!-- x`;
    const xml = encodeEnvelope("CreateSnapshot_Task", new MoRef("VirtualMachine", "vm-1"), { name: hostile, description: hostile });
    const body = path(parseXml(xml), "Body", "CreateSnapshot_Task");
    expect(childText(body, "name")).toBe(hostile);
    expect(childText(body, "description")).toBe(hostile);
    expect(childText(body, "_this")).toBe("vm-1");
  });
});
