import { Agent, fetch } from "undici";
import type { Deadline } from "../../core/deadline";
import { HypervisorError } from "../../core/errors";
import { Limiter } from "../../core/limit";
import { TlsTrust, tlsConnector, transportError } from "../../core/tls";
import { MoRef, XmlFields, encodeEnvelope } from "./encode";
import { findSoapFault, soapFaultError } from "./faults";
import { XmlElement, parseXml, path } from "./xml";

/**
 * One vim25 endpoint over HTTP: POST envelopes to /sdk, read answers or faults. No session logic
 * here (see session.ts): the caller passes the session cookie and receives the one the server sets.
 */

/** govmomi sends this version; servers from 6.5 on accept it. */
export const SOAP_ACTION = "urn:vim25/7.0";
export const SESSION_COOKIE = "vmware_soap_session";

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

export class SoapTransport {
  readonly limiter: Limiter;
  private readonly agent: Agent;
  /** Requests sent, by method, for tests and benchmarks. */
  readonly sent = new Map<string, number>();

  constructor(readonly options: SoapTransportOptions) {
    this.limiter = new Limiter(options.maxConcurrentRequests);
    this.agent = new Agent({
      connect: tlsConnector(options.trust, options.connection, options.requestTimeoutMs),
      // One more than the limit: the long poll's own connection when the limit is 1 (see CallOptions.longPoll).
      connections: options.maxConcurrentRequests + 1,
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
    let status: number;
    let text: string;
    let cookie: string | undefined;
    try {
      const res = await fetch(this.options.endpoint, { method: "POST", headers, body: envelope, dispatcher: this.agent, signal });
      status = res.status;
      cookie = sessionCookie(res.headers.getSetCookie());
      text = await res.text();
    } catch (e) {
      throw this.failure(e, method, requestMs, timeout, o);
    }
    return { body: this.interpret(method, status, text), cookie };
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

  private interpret(method: string, status: number, text: string): XmlElement {
    if (status >= 502 && status <= 504) {
      throw new HypervisorError(`${this.endpoint} is unavailable (HTTP ${status}) for ${method}`, {
        kind: "transport",
        code: status,
        hint: "The server or a proxy in front of it is restarting or overloaded",
      });
    }
    let envelope: XmlElement | undefined;
    try {
      envelope = parseXml(text);
    } catch (e) {
      if (status === 200) throw e;
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
    await this.agent.close();
  }
}

/** The session cookie among Set-Cookie headers, as `name=value` with the value untouched (quotes kept). */
export function sessionCookie(setCookies: readonly string[]): string | undefined {
  for (const header of setCookies) {
    const pair = header.split(";", 1)[0].trim();
    if (pair.startsWith(`${SESSION_COOKIE}=`)) return pair;
  }
  return undefined;
}
