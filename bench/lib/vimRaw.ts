import { HttpClient, readPieces, readText } from "../../src/core/http";
import { encodeEnvelope, MoRef, type XmlFields } from "../../src/hypervisors/vsphere/encode";
import { SOAP_ACTION, sessionCookie } from "../../src/hypervisors/vsphere/soap";
import { child, parseXml, path, type XmlElement } from "../../src/hypervisors/vsphere/xml";

/**
 * vim25 with nothing of ours between the request and the bytes: the floor of the inventory
 * benchmark, on the same HTTP client as the driver (src/core/http.ts). It logs in and creates its view with ordinary (parsed) calls; `timeRaw` then sends
 * one envelope on the warm connection and reads the answer's bytes without looking at them, which
 * is the time vcsim itself takes to answer plus the transfer, and nothing any client could save.
 */
export class RawVim {
  private cookie?: string;

  private constructor(
    private readonly url: string,
    private readonly http: HttpClient,
  ) {}

  static async login(url: string, caCert: string, username: string, password: string): Promise<{ vim: RawVim; content: { propertyCollector: MoRef; viewManager: MoRef; rootFolder: MoRef } }> {
    const vim = new RawVim(url, new HttpClient(url, { connection: "bench-raw", trust: { caCert }, connectTimeoutMs: 30_000, maxConnections: 1, idleMs: 60_000 }));
    const sc = child(await vim.parsed("RetrieveServiceContent", new MoRef("ServiceInstance", "ServiceInstance"), {}), "returnval");
    const ref = (name: string) => {
      const el = child(sc, name);
      if (!el?.refType) throw new Error(`vcsim's service content has no ${name}`);
      return new MoRef(el.refType, el.text.trim());
    };
    const content = { propertyCollector: ref("propertyCollector"), viewManager: ref("viewManager"), rootFolder: ref("rootFolder") };
    await vim.parsed("Login", ref("sessionManager"), { userName: username, password });
    if (!vim.cookie) throw new Error("vcsim set no session cookie");
    return { vim, content };
  }

  /** A call whose answer is parsed (setting up; not timed). */
  async parsed(method: string, self: MoRef, params: XmlFields): Promise<XmlElement | undefined> {
    const res = await this.post(encodeEnvelope(method, self, params));
    this.cookie = sessionCookie(res.headers["set-cookie"]) ?? this.cookie;
    const text = await readText(res.body);
    if (res.status !== 200) throw new Error(`${method}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return path(parseXml(text), "Body")?.children[0];
  }

  /** Milliseconds from sending `envelope` to the last byte of the answer, and how many bytes. */
  async timeRaw(envelope: string): Promise<{ ms: number; bytes: number }> {
    const started = performance.now();
    const res = await this.post(envelope);
    let bytes = 0;
    await readPieces(res.body, (piece) => (bytes += piece.length));
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`raw request: HTTP ${res.status}`);
    return { ms, bytes };
  }

  /** The answer to `envelope` as text, unparsed. */
  async text(envelope: string): Promise<string> {
    const res = await this.post(envelope);
    return readText(res.body);
  }

  close(): void {
    this.http.close();
  }

  private post(envelope: string) {
    const headers: Record<string, string> = { "content-type": 'text/xml; charset="utf-8"', soapaction: SOAP_ACTION };
    if (this.cookie) headers.cookie = this.cookie;
    return this.http.request(this.url, { method: "POST", headers, body: envelope, signal: AbortSignal.timeout(120_000) });
  }
}
