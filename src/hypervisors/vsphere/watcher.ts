import { Deadline, sleep } from "../../core/deadline";
import { HypervisorError, isHypervisorError } from "../../core/errors";
import { MoRef } from "./encode";
import { isFault } from "./faults";
import { readObject } from "./propertyCollector";
import type { Call, ServiceContent, UnitContext, VimSession } from "./session";
import { refOf } from "./session";
import { XmlElement, child, childText, children } from "./xml";

/**
 * Waiting for changes the way govmomi does: a property collector of our own, one filter per
 * watched object, and WaitForUpdatesEx with the version the server returned last. One long poll
 * serves every waiter of the session (a hundred concurrent power-ons wait with one request, not a
 * hundred), and an answer arrives as soon as something changes instead of at the next poll tick.
 */

/**
 * Decides from the watched properties whether the wait is over: a value ends it, undefined keeps
 * waiting, a throw fails it. `gone` says the object was deleted.
 */
export type Decide<T> = (props: ReadonlyMap<string, XmlElement>, gone: boolean) => T | undefined;

export interface WatcherOptions {
  /** How long one WaitForUpdatesEx may wait on the server for a change. */
  maxWaitSeconds: number;
  /** Added to maxWaitSeconds to bound the long poll's HTTP request. */
  requestTimeoutMs: number;
}

interface Collector {
  ref: Promise<MoRef>;
  generation: number;
  version: string;
}

interface Entry {
  obj: MoRef;
  pathSet: readonly string[];
  ctx: UnitContext;
  props: Map<string, XmlElement>;
  decide: Decide<unknown>;
  describe?: (props: ReadonlyMap<string, XmlElement>) => string;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
  /** The collector the entry's filter lives on; undefined until registered (and again when it must register anew). */
  collector?: Collector;
  filter?: MoRef;
  registering: boolean;
  done: boolean;
}

/** Consecutive failed polls after which every waiter gets the error (each also has its own deadline). */
const MAX_POLL_FAILURES = 5;

export class UpdateWatcher {
  private collector?: Collector;
  private readonly entries = new Set<Entry>();
  private readonly byFilter = new Map<string, Entry>();
  private looping = false;
  private closed = false;
  private readonly abort = new AbortController();
  /** WaitForUpdatesEx requests sent, for tests and benchmarks. */
  polls = 0;

  constructor(
    private readonly session: VimSession,
    private readonly options: WatcherOptions,
  ) {}

  /** Resolves with what `decide` returns once it returns something; rejects at the context's deadline. */
  watch<T>(
    obj: MoRef,
    pathSet: readonly string[],
    decide: Decide<T>,
    ctx: UnitContext,
    describe?: (props: ReadonlyMap<string, XmlElement>) => string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(closedError());
      const entry: Entry = {
        obj,
        pathSet,
        ctx,
        props: new Map(),
        decide,
        describe,
        resolve: resolve as (v: unknown) => void,
        reject,
        registering: false,
        done: false,
        timer: setTimeout(() => {
          const lastSeen = entry.describe && entry.props.size > 0 ? entry.describe(entry.props) : undefined;
          this.finish(entry, { error: ctx.deadline.timeoutError(ctx.operation, lastSeen) });
        }, ctx.deadline.remainingMs()),
      };
      this.entries.add(entry);
      this.session
        .unit(ctx, async (call) => this.register(call, entry, await this.session.serviceContent(ctx)))
        .then(() => this.startLoop())
        .catch((error) => this.finish(entry, { error }));
    });
  }

  /** Stops the long poll, fails the remaining waiters and destroys the collector. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    for (const e of [...this.entries]) this.finish(e, { error: closedError() });
    const collector = this.collector;
    this.collector = undefined;
    if (!collector || collector.generation !== this.session.currentGeneration) return;
    const ref = await collector.ref.catch(() => undefined);
    if (ref) await this.session.cleanup("DestroyPropertyCollector", ref, this.options.requestTimeoutMs);
  }

  /** The collector of the current session, created on first use and again after a new Login. */
  private currentCollector(call: Call, content: ServiceContent): Collector {
    const generation = this.session.currentGeneration;
    if (!this.collector || this.collector.generation !== generation) {
      const c: Collector = {
        generation,
        version: "",
        // Safe to send again after a lost answer, like CreateFilter below: a collector or filter
        // made twice is an orphan that reports to no waiter and ends with the session.
        ref: call("CreatePropertyCollector", content.propertyCollector, {}, { idempotent: true }).then((answer) => {
          const ref = refOf(child(answer, "returnval"));
          if (!ref) throw new HypervisorError("CreatePropertyCollector answered without a collector", { kind: "server", code: "MalformedAnswer" });
          return ref;
        }),
      };
      c.ref.catch(() => {
        if (this.collector === c) this.collector = undefined;
      });
      this.collector = c;
    }
    return this.collector;
  }

  /** A filter for the entry on the current collector, then one read, so that no change before the filter is missed. */
  private async register(call: Call, entry: Entry, content: ServiceContent): Promise<void> {
    if (entry.done) return;
    entry.registering = true;
    try {
      await this.registerOnCurrent(call, entry, content);
    } finally {
      entry.registering = false;
    }
  }

  private async registerOnCurrent(call: Call, entry: Entry, content: ServiceContent): Promise<void> {
    const collector = this.currentCollector(call, content);
    const ref = await collector.ref;
    let answer: XmlElement;
    try {
      answer = await call(
        "CreateFilter",
        ref,
        {
          spec: { propSet: { type: entry.obj.type, pathSet: [...entry.pathSet] }, objectSet: { obj: entry.obj, skip: false } },
          partialUpdates: false,
        },
        { idempotent: true },
      );
    } catch (e) {
      // The collector vanished with its session: the next registration makes a new one.
      if (isFault(e, "ManagedObjectNotFound") && this.collector === collector) this.collector = undefined;
      throw e;
    }
    const filter = refOf(child(answer, "returnval"));
    if (!filter) throw new HypervisorError("CreateFilter answered without a filter", { kind: "server", code: "MalformedAnswer" });
    if (entry.filter) this.byFilter.delete(entry.filter.value);
    entry.collector = collector;
    entry.filter = filter;
    this.byFilter.set(filter.value, entry);
    if (entry.done) return this.dropFilter(entry);
    const now = await readObject(call, content, entry.obj, entry.pathSet);
    if (now) for (const [k, v] of now.props) entry.props.set(k, v);
    this.evaluate(entry, now === undefined);
  }

  private startLoop(): void {
    if (this.looping || this.closed || this.entries.size === 0) return;
    this.looping = true;
    void this.loop().finally(() => {
      this.looping = false;
      // A waiter may have registered while the last poll was finishing.
      this.startLoop();
    });
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.entries.size > 0 && !this.closed) {
      const pollMs = this.options.maxWaitSeconds * 1000 + this.options.requestTimeoutMs;
      const ctx: UnitContext = { deadline: new Deadline(pollMs * 2, "waiting for vSphere updates"), operation: "wait for updates" };
      try {
        await this.session.unit(ctx, async (call) => this.poll(call, pollMs, await this.session.serviceContent(ctx)));
        failures = 0;
      } catch (e) {
        if (this.closed) return;
        if (isFault(e, "ManagedObjectNotFound")) this.collector = undefined;
        else if (!isFault(e, "RequestCanceled") && ++failures >= MAX_POLL_FAILURES) {
          for (const entry of [...this.entries]) this.finish(entry, { error: e });
          return;
        }
        await sleep(Math.min(2000, 100 * 2 ** failures));
      }
    }
  }

  private async poll(call: Call, pollMs: number, content: ServiceContent): Promise<void> {
    const collector = this.currentCollector(call, content);
    // Waiters whose filter belonged to an older collector (the session was replaced) register again.
    for (const entry of [...this.entries]) {
      if (!entry.collector || entry.collector === collector || entry.registering) continue;
      await this.register(call, entry, content).catch((error) => {
        if (isFault(error, "NotAuthenticated")) throw error;
        this.finish(entry, { error });
      });
    }
    if (this.entries.size === 0) return;
    const ref = await collector.ref;
    this.polls++;
    const answer = await call(
      "WaitForUpdatesEx",
      ref,
      { version: collector.version, options: { maxWaitSeconds: this.options.maxWaitSeconds } },
      { longPoll: true, timeoutMs: pollMs, signal: this.abort.signal },
    );
    const updateSet = child(answer, "returnval");
    if (!updateSet) return; // the wait ended with no change
    collector.version = childText(updateSet, "version") ?? collector.version;
    for (const filterUpdate of children(updateSet, "filterSet")) {
      const entry = this.byFilter.get(childText(filterUpdate, "filter")?.trim() ?? "");
      if (!entry || entry.done) continue;
      let gone = false;
      for (const objectUpdate of children(filterUpdate, "objectSet")) {
        if (childText(objectUpdate, "kind") === "leave") gone = true;
        for (const change of children(objectUpdate, "changeSet")) applyChange(entry.props, change);
      }
      this.evaluate(entry, gone);
    }
  }

  private evaluate(entry: Entry, gone: boolean): void {
    if (entry.done) return;
    try {
      const value = entry.decide(entry.props, gone);
      if (value !== undefined) this.finish(entry, { value });
      else if (gone) this.finish(entry, { error: new HypervisorError(`${entry.obj.value} was deleted while we waited for it`, { kind: "not-found" }) });
    } catch (error) {
      this.finish(entry, { error });
    }
  }

  private finish(entry: Entry, outcome: { value?: unknown; error?: unknown }): void {
    if (entry.done) return;
    entry.done = true;
    clearTimeout(entry.timer);
    this.entries.delete(entry);
    if ("error" in outcome) entry.reject(isHypervisorError(outcome.error) ? outcome.error.withContext(entry.ctx.operation) : outcome.error);
    else entry.resolve(outcome.value);
    void this.dropFilter(entry);
  }

  /** Removes a finished waiter's filter, so that a long-lived collector does not collect filters. */
  private async dropFilter(entry: Entry): Promise<void> {
    const filter = entry.filter;
    if (!filter) return;
    this.byFilter.delete(filter.value);
    entry.filter = undefined;
    // A filter of an older collector went with its session.
    if (this.closed || entry.collector !== this.collector) return;
    await this.session.cleanup("DestroyPropertyFilter", filter, this.options.requestTimeoutMs);
  }
}

/** One `changeSet` of an update: assign sets the value (none: no value), remove and indirectRemove drop it. */
function applyChange(props: Map<string, XmlElement>, change: XmlElement): void {
  const name = childText(change, "name");
  if (name === undefined) return;
  const op = childText(change, "op");
  const val = child(change, "val");
  if (op === "assign" && val) props.set(name, val);
  else if (op === "assign" || op === "remove" || op === "indirectRemove") props.delete(name);
}

function closedError(): HypervisorError {
  return new HypervisorError("the vSphere connection was closed while waiting", { kind: "transport", code: "Closed" });
}
