import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./readBody";

/**
 * A vim25 endpoint that answers from a script of recorded replies, for the behaviours vcsim never
 * shows (quoted cookies, paging tokens, queued and running tasks, real servers' fault texts).
 * Each method has a queue of replies; the last one repeats when the queue runs dry.
 */

export interface ScriptedReply {
  status?: number;
  /** The whole HTTP body. */
  body: string;
  setCookie?: string;
  /** Close the connection without answering. */
  drop?: boolean;
  /** Answer after this long. */
  delayMs?: number;
  /** Send the body in pieces of this many bytes (a UTF-8 character may be cut between two), this far apart. */
  pieces?: { bytes: number; gapMs: number };
  /** Close the connection after this many bytes of the body. */
  cutAfterBytes?: number;
}

export interface ScriptedRequest {
  method: string;
  body: string;
  cookie?: string;
  soapAction?: string;
  contentType?: string;
}

type Reply = ScriptedReply | ((req: ScriptedRequest) => ScriptedReply);

const ENVELOPE_START =
  `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"\n` +
  ` xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"\n xmlns:xsd="http://www.w3.org/2001/XMLSchema"\n` +
  ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<soapenv:Body>\n`;
const ENVELOPE_END = `\n</soapenv:Body>\n</soapenv:Envelope>`;

/** A 200 answer as real servers write it: `<MethodResponse xmlns="urn:vim25">inner</MethodResponse>`. */
export function answer(method: string, inner: string, extra: Partial<ScriptedReply> = {}): ScriptedReply {
  return { body: `${ENVELOPE_START}<${method}Response xmlns="urn:vim25">${inner}</${method}Response>${ENVELOPE_END}`, ...extra };
}

/** An HTTP 500 SOAP fault as real servers write it. */
export function faultAnswer(type: string, message: string, inner = ""): ScriptedReply {
  return {
    status: 500,
    body:
      `${ENVELOPE_START}<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${message}</faultstring>` +
      `<detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}">${inner}</${type}Fault></detail></soapenv:Fault>${ENVELOPE_END}`,
  };
}

/** A vCenter's service content (abridged to what clients read). */
export function serviceContent(apiType: "VirtualCenter" | "HostAgent" = "VirtualCenter"): ScriptedReply {
  return answer(
    "RetrieveServiceContent",
    `<returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector>` +
      `<viewManager type="ViewManager">ViewManager</viewManager><about><name>VMware vCenter Server</name>` +
      `<fullName>VMware vCenter Server 7.0.3 build-20150588</fullName><vendor>VMware, Inc.</vendor><version>7.0.3</version>` +
      `<apiType>${apiType}</apiType><apiVersion>7.0.3.0</apiVersion></about>` +
      `<sessionManager type="SessionManager">SessionManager</sessionManager><searchIndex type="SearchIndex">SearchIndex</searchIndex></returnval>`,
  );
}

export class ScriptedVim {
  readonly requests: ScriptedRequest[] = [];
  private readonly script = new Map<string, Reply[]>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ScriptedVim> {
    let vim: ScriptedVim | undefined;
    const server = createServer((req, res) => {
      void readBody(req).then(async (body) => {
        const method = /<soapenv:Body>\s*<(\w+)/.exec(body)?.[1] ?? "";
        const r: ScriptedRequest = {
          method,
          body,
          cookie: req.headers.cookie,
          soapAction: req.headers.soapaction as string | undefined,
          contentType: req.headers["content-type"],
        };
        vim!.requests.push(r);
        const reply = vim!.next(r);
        if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
        if (reply.drop) return void req.socket.destroy();
        res.statusCode = reply.status ?? 200;
        res.setHeader("content-type", "text/xml; charset=utf-8");
        if (reply.setCookie) res.setHeader("set-cookie", reply.setCookie);
        if (!reply.pieces && reply.cutAfterBytes === undefined) return void res.end(reply.body);
        const bytes = Buffer.from(reply.body, "utf8");
        const end = reply.cutAfterBytes ?? bytes.length;
        const step = reply.pieces?.bytes ?? end;
        for (let at = 0; at < end; at += step) {
          res.write(bytes.subarray(at, Math.min(at + step, end)));
          if (reply.pieces?.gapMs) await new Promise((resolve) => setTimeout(resolve, reply.pieces!.gapMs));
        }
        if (reply.cutAfterBytes !== undefined) return void res.socket?.destroy();
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    vim = new ScriptedVim(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/sdk`);
    return vim;
  }

  /** Queues replies for a method; the last one repeats. */
  on(method: string, ...replies: Reply[]): this {
    this.script.set(method, [...(this.script.get(method) ?? []), ...replies]);
    return this;
  }

  /** Replaces the replies queued for a method. */
  set(method: string, ...replies: Reply[]): this {
    this.script.set(method, replies);
    return this;
  }

  /** The requests of one method, in order. */
  calls(method: string): ScriptedRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  private next(req: ScriptedRequest): ScriptedReply {
    const queue = this.script.get(req.method);
    if (!queue || queue.length === 0) return faultAnswer("MethodNotFound", `no scripted reply for ${req.method}`);
    const reply = queue.length > 1 ? queue.shift()! : queue[0];
    return typeof reply === "function" ? reply(req) : reply;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
