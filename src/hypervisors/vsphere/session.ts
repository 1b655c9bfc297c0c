import { Deadline } from "../../core/deadline";
import { HypervisorError, isHypervisorError } from "../../core/errors";
import { registerSecret } from "../../core/redact";
import { retry } from "../../core/retry";
import { MoRef, XmlFields } from "./encode";
import { isFault } from "./faults";
import { SESSION_COOKIE, SoapTransport } from "./soap";
import { XmlElement, child, childText, path } from "./xml";

/**
 * A vim25 session: the service content, one Login shared by every operation of the profile, and
 * one new Login (never more) when a unit of work finds the session gone (`NotAuthenticated`).
 */

export interface Credentials {
  username: string;
  password: string;
}

export interface ServiceContent {
  rootFolder: MoRef;
  propertyCollector: MoRef;
  viewManager: MoRef;
  sessionManager: MoRef;
  searchIndex: MoRef;
  /** Only `doctor` uses it; a server that leaves it out can still be driven. */
  authorizationManager?: MoRef;
  /** "VirtualCenter" for vCenter, "HostAgent" for a standalone ESXi host. */
  apiType: string;
  fullName: string;
  /** The vim25 API release the server speaks: "8.0.3.0". */
  apiVersion: string;
}

export interface UnitContext {
  deadline: Deadline;
  /** In the domain's words, for messages: "power on", "list VMs". */
  operation: string;
  progress?: (message: string) => void;
}

export interface CallOpts {
  /**
   * The call only reads (or is otherwise safe to send twice): a dropped connection or a request
   * timeout is retried, a few times within the deadline. Calls that change something are never
   * re-sent here; their callers look at the result before sending again.
   */
  idempotent?: boolean;
  timeoutMs?: number;
  longPoll?: boolean;
  signal?: AbortSignal;
}

/** One call inside a unit: returns the `<MethodResponse>` element. */
export type Call = (method: string, self: MoRef, params: XmlFields, opts?: CallOpts) => Promise<XmlElement>;

const SERVICE_INSTANCE = new MoRef("ServiceInstance", "ServiceInstance");

export class VimSession {
  private cookie?: string;
  private generation = 0;
  private login?: Promise<number>;
  private content?: Promise<ServiceContent>;
  /** Logins done, for tests and benchmarks: one per profile unless the server ended the session. */
  logins = 0;

  constructor(
    readonly transport: SoapTransport,
    private readonly credentials: Credentials,
  ) {
    registerSecret(credentials.password);
  }

  /** Increases with every Login: what a session created (views, collectors) is valid for one generation only. */
  get currentGeneration(): number {
    return this.generation;
  }

  /** The service content; read once (it needs no session). */
  serviceContent(ctx: UnitContext): Promise<ServiceContent> {
    this.content ??= this.readServiceContent(ctx).catch((e) => {
      this.content = undefined;
      throw e;
    });
    return this.content;
  }

  /**
   * Runs a unit of work with a logged-in session. When the session turns out to be gone
   * (NotAuthenticated as a fault, or in a property read's missingSet), logs in again once and runs
   * the unit again: the server refused the call before doing anything, and everything a unit
   * creates on the server (views, collectors) belonged to the lost session. So a unit must be one
   * change at most, first or alone, or only reads.
   */
  async unit<T>(ctx: UnitContext, fn: (call: Call) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const generation = await this.ensureLogin(ctx);
      try {
        return await fn(this.caller(ctx));
      } catch (e) {
        if (attempt > 1 || !this.endedUnder(e, generation)) throw e;
        if (this.generation === generation) this.cookie = undefined;
        ctx.progress?.(`the vSphere session ended; logging in again to ${this.transport.endpoint}`);
      }
    }
  }

  /**
   * Whether a unit failed because the session it started in ended: NotAuthenticated, or
   * ManagedObjectNotFound once another unit has logged in again meanwhile. The views and filters
   * this unit made went with the old session, while its later calls carried the new session's
   * cookie, so the server no longer knows them; it did nothing, and the unit may run again.
   */
  private endedUnder(e: unknown, generation: number): boolean {
    return isFault(e, "NotAuthenticated") || (isFault(e, "ManagedObjectNotFound") && this.generation !== generation);
  }

  /** A unit of one call. */
  invoke(method: string, self: MoRef, params: XmlFields, ctx: UnitContext, opts?: CallOpts): Promise<XmlElement> {
    return this.unit(ctx, (call) => call(method, self, params, opts));
  }

  /**
   * Best-effort cleanup (destroying a filter or a collector): sent only while logged in, never
   * logging in for it, errors ignored. What it would clean up goes with the session anyway.
   */
  async cleanup(method: string, self: MoRef, timeoutMs: number): Promise<void> {
    const cookie = this.cookie;
    if (!cookie) return;
    await this.transport.call(method, self, {}, { deadline: new Deadline(timeoutMs, "vSphere cleanup"), cookie }).catch(() => undefined);
  }

  /** Ends the session on the server (best effort, briefly bounded): sessions count against a server-wide limit. */
  async logout(): Promise<void> {
    const cookie = this.cookie;
    this.cookie = undefined;
    if (!cookie || !this.content) return;
    const deadline = new Deadline(5000, "vSphere logout");
    try {
      const content = await this.content;
      await this.transport.call("Logout", content.sessionManager, {}, { deadline, cookie });
    } catch {
      // The session expires on its own; failing to end it early is not worth an error at close.
    }
  }

  private caller(ctx: UnitContext): Call {
    return (method, self, params, opts = {}) => {
      const once = async () => (await this.transport.call(method, self, params, { ...opts, deadline: ctx.deadline, cookie: this.cookie })).body;
      if (!opts.idempotent) return once();
      return retry(once, { deadline: ctx.deadline, operation: ctx.operation, retryable: isRepeatable, maxAttempts: 3, baseDelayMs: 200 });
    };
  }

  private async ensureLogin(ctx: UnitContext): Promise<number> {
    if (this.cookie) return this.generation;
    this.login ??= this.doLogin(ctx).finally(() => (this.login = undefined));
    return this.login;
  }

  private async doLogin(ctx: UnitContext): Promise<number> {
    const content = await this.serviceContent(ctx);
    // Login is sent without a cookie: a server refuses Login inside a session that is still valid.
    const answer = await this.transport.call(
      "Login",
      content.sessionManager,
      { userName: this.credentials.username, password: this.credentials.password },
      { deadline: ctx.deadline },
    );
    if (!answer.cookie) {
      throw new HypervisorError(`${this.transport.endpoint} accepted the login but set no ${SESSION_COOKIE} cookie`, {
        kind: "server",
        code: "NoSessionCookie",
      });
    }
    this.cookie = answer.cookie;
    this.logins++;
    return ++this.generation;
  }

  private async readServiceContent(ctx: UnitContext): Promise<ServiceContent> {
    const answer = await retry(
      () => this.transport.call("RetrieveServiceContent", SERVICE_INSTANCE, {}, { deadline: ctx.deadline }),
      { deadline: ctx.deadline, operation: ctx.operation, retryable: isRepeatable, maxAttempts: 3, baseDelayMs: 200 },
    );
    const rv = child(answer.body, "returnval");
    const ref = (name: string): MoRef => {
      const el = child(rv, name);
      if (!el?.refType) {
        throw new HypervisorError(`the service content of ${this.transport.endpoint} has no ${name}`, { kind: "server", code: "NoServiceContent" });
      }
      return new MoRef(el.refType, el.text.trim());
    };
    return {
      rootFolder: ref("rootFolder"),
      propertyCollector: ref("propertyCollector"),
      viewManager: ref("viewManager"),
      sessionManager: ref("sessionManager"),
      searchIndex: ref("searchIndex"),
      authorizationManager: refOf(child(rv, "authorizationManager")),
      apiType: path(rv, "about", "apiType")?.text ?? "",
      fullName: childText(child(rv, "about"), "fullName") ?? "",
      apiVersion: childText(child(rv, "about"), "apiVersion") ?? "",
    };
  }
}

/** A dropped connection or a request that got no answer in time: worth sending again when it is safe. */
export function isRepeatable(e: unknown): boolean {
  if (!isHypervisorError(e)) return false;
  return (e.kind === "transport" && e.code !== "Closed") || (e.kind === "timeout" && e.code === "RequestTimeout");
}

/** A reference from an element such as `<returnval type="Task">task-12</returnval>`. */
export function refOf(el: XmlElement | undefined): MoRef | undefined {
  return el?.refType ? new MoRef(el.refType, el.text.trim()) : undefined;
}
