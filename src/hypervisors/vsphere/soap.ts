import { StringDecoder } from "node:string_decoder";
import { HttpClient, readPieces, readText, type HttpAnswer } from "../../core/http";
import type { Deadline } from "../../core/deadline";
import { HypervisorError, isHypervisorError } from "../../core/errors";
import { Limiter } from "../../core/limit";
import { TlsTrust, transportError } from "../../core/tls";
import { MoRef, XmlFields, encodeEnvelope } from "./encode";
import { findSoapFault, soapFaultError } from "./faults";
import { XmlElement, XmlReader, parseXml, path } from "./xml";

/**
 * One vim25 endpoint over HTTP: POST envelopes to /sdk, read answers or faults. No session logic
 * here (see session.ts): the caller passes the session cookie and receives the one the server sets.
 */

/** govmomi sends this version; servers from 6.5 on accept it. */
export const SOAP_ACTION = "urn:vim25/7.0";
export const SESSION_COOKIE = "vmware_soap_session";
/** How long an idle connection is kept for the next call. */
const IDLE_MS = 4_000;

export interface SoapTransportOptions {
  /** The full URL of the SDK: https://vcenter.example.com/sdk */
  endpoint: string;
  /** The connection profile's name, for messages. */
  connection: string;
  trust: TlsTrust;
  maxConcurrentRequests: number;
  requestTimeoutMs: number;
}

export interface CallOptions {
  deadline: Deadline;
  /** The session cookie to send, exactly as the server set it. */
  cookie?: string;
  /** A bound for this request instead of the profile's request timeout (long polls wait longer). */
  timeoutMs?: number;
  /**
   * A long poll (WaitForUpdatesEx). It takes a slot of the concurrency limit like any request, so
   * that the server never sees more than maxConcurrentRequests at once; only with a limit of 1 does
   * it go past the limit, since holding the one slot for up to maxWaitSeconds would stall every
   * other call, including the ones it waits for.
   */
  longPoll?: boolean;
  /** Cancels the request early (closing the driver). */
  signal?: AbortSignal;
}

export interface SoapAnswer {
  /** The `<MethodResponse>` element. */
  body: XmlElement;
  /** A session cookie the server set with this answer, verbatim ("vmware_soap_session=\"52a1...\""). */
  cookie?: string;
}

/** Where one request's time went, for benchmarks (bench/items/inventory.ts). */
export interface SoapTiming {
  method: string;
  /** From sending to the answer's headers: the server's time to answer, and the round trip. */
  headersMs: number;
  /** From the headers to the answer's last byte; the pieces that came are parsed meanwhile. */
  bodyMs: number;
  /** Time spent parsing, most of it while the body was still arriving. */
  parseMs: number;
  /** After the last byte: the end of parsing and the fault check. */
  finishMs: number;
  bytes: number;
}

export class SoapTransport {
  readonly limiter: Limiter;
  private readonly http: HttpClient;
  /** Requests sent, by method, for tests and benchmarks. */
  readonly sent = new Map<string, number>();
  /** Told where each answered request's time went, when set (benchmarks). */
  onTiming?: (t: SoapTiming) => void;

  constructor(readonly options: SoapTransportOptions) {
    this.limiter = new Limiter(options.maxConcurrentRequests);
    this.http = new HttpClient(options.endpoint, {
      connection: options.connection,
      trust: options.trust,
      connectTimeoutMs: options.requestTimeoutMs,
      // One more than the limit: the long poll's own connection when the limit is 1 (see CallOptions.longPoll).
      maxConnections: options.maxConcurrentRequests + 1,
      idleMs: IDLE_MS,
    });
  }

  get endpoint(): string {
    return this.options.endpoint;
  }

  async call(method: string, self: MoRef, params: XmlFields, o: CallOptions): Promise<SoapAnswer> {
    const run = () => this.send(method, encodeEnvelope(method, self, params), o);
    return o.longPoll && this.limiter.limit < 2 ? run() : this.limiter.run(run);
  }

  private async send(method: string, envelope: string, o: CallOptions): Promise<SoapAnswer> {
    o.deadline.check(method);
    this.sent.set(method, (this.sent.get(method) ?? 0) + 1);
    const requestMs = Math.min(o.timeoutMs ?? this.options.requestTimeoutMs, o.deadline.remainingMs());
    const timeout = AbortSignal.timeout(Math.max(1, requestMs));
    const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
    const headers: Record<string, string> = {
      "content-type": 'text/xml; charset="utf-8"',
      soapaction: SOAP_ACTION,
      "user-agent": "pulumi-hypervisor",
    };
    if (o.cookie) headers.cookie = o.cookie;
    const timing = { sentAt: performance.now(), headersAt: 0, readAt: 0, parseMs: 0, bytes: 0 };
    let answer: { status: number; envelope?: XmlElement; text: string };
    let cookie: string | undefined;
    try {
      const res = await this.http.request(this.options.endpoint, { method: "POST", headers, body: envelope, signal });
      timing.headersAt = performance.now();
      cookie = sessionCookie(res.headers["set-cookie"]);
      answer = await readAnswer(res, timing);
    } catch (e) {
      if (isHypervisorError(e, "server")) throw e; // the answer is not XML
      throw this.failure(e, method, requestMs, timeout, o);
    }
    const body = this.interpret(method, answer.status, answer.envelope, answer.text);
    const finishedAt = performance.now();
    this.onTiming?.({
      method,
      headersMs: timing.headersAt - timing.sentAt,
      bodyMs: timing.readAt - timing.headersAt,
      parseMs: timing.parseMs,
      finishMs: finishedAt - timing.readAt,
      bytes: timing.bytes,
    });
    return { body, cookie };
  }

  private failure(e: unknown, method: string, requestMs: number, timeout: AbortSignal, o: CallOptions): HypervisorError {
    if (o.signal?.aborted) {
      return new HypervisorError(`${method} was cancelled because the connection is closing`, { kind: "transport", code: "Closed", cause: e });
    }
    if (timeout.aborted) {
      if (o.deadline.expired()) return o.deadline.timeoutError(method);
      return new HypervisorError(`no answer from ${this.endpoint} to ${method} within ${Math.round(requestMs / 1000)} s`, {
        kind: "timeout",
        code: "RequestTimeout",
        hint: "Raise requestTimeoutSeconds of the connection if the server is slow",
        cause: e,
      });
    }
    return transportError(e, this.endpoint, this.options.connection);
  }

  private interpret(method: string, status: number, envelope: XmlElement | undefined, text: string): XmlElement {
    if (status >= 502 && status <= 504) {
      throw new HypervisorError(`${this.endpoint} is unavailable (HTTP ${status}) for ${method}`, {
        kind: "transport",
        code: status,
        hint: "The server or a proxy in front of it is restarting or overloaded",
      });
    }
    const fault = envelope && findSoapFault(envelope);
    if (fault) throw soapFaultError(fault);
    const body = envelope && path(envelope, "Body")?.children[0];
    if (status !== 200 || !body) {
      throw new HypervisorError(`unexpected answer to ${method} from ${this.endpoint}: HTTP ${status} ${text.slice(0, 200)}`, {
        kind: "server",
        code: status,
      });
    }
    return body;
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

/**
 * The answer's envelope. A 200 answer is parsed while it arrives (an inventory is megabytes: its
 * first pieces are read while the server still sends the rest), and what is not XML is a `server`
 * error. Other answers (faults, proxies' error pages) are small: read whole, and parsed when they
 * are XML, their first characters kept for the message when they are not.
 */
async function readAnswer(res: HttpAnswer, timing: { readAt: number; parseMs: number; bytes: number }): Promise<{ status: number; envelope?: XmlElement; text: string }> {
  const status = res.status;
  if (status !== 200) {
    const text = await readText(res.body);
    timing.readAt = performance.now();
    timing.bytes = text.length;
    let envelope: XmlElement | undefined;
    try {
      envelope = parseXml(text);
    } catch {
      // Not XML: the status and the text say what it was.
    }
    return { status, envelope, text };
  }
  const reader = new XmlReader();
  // Keeps a character cut between two pieces for the next one.
  const decoder = new StringDecoder("utf8");
  await readPieces(res.body, (piece) => {
    timing.bytes += piece.length;
    const started = performance.now();
    reader.feed(decoder.write(piece));
    timing.parseMs += performance.now() - started;
  });
  timing.readAt = performance.now();
  const started = performance.now();
  reader.feed(decoder.end());
  const envelope = reader.end();
  timing.parseMs += performance.now() - started;
  return { status, envelope, text: "" };
}

/** The session cookie among Set-Cookie headers (Node gives them as a list; one header is taken too), as `name=value` with the value untouched (quotes kept). */
export function sessionCookie(setCookie: string | readonly string[] | undefined): string | undefined {
  const setCookies = setCookie === undefined ? [] : typeof setCookie === "string" ? [setCookie] : setCookie;
  for (const header of setCookies) {
    const pair = header.split(";", 1)[0].trim();
    if (pair.startsWith(`${SESSION_COOKIE}=`)) return pair;
  }
  return undefined;
}
