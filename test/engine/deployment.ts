/**
 * The shared context of one operation: the state being changed (saved after every step unless
 * this is a preview), the provider host, the steps recorded so far, and the stop flag the engine
 * raises on the first failed step (no new step starts after it, as with the CLI's default).
 */
import type { EngineEvent, Operation, StepError, StepOp, StepRecord } from "./events";
import type { ProviderHost, ResourceRef } from "./providerHost";
import { saveState, type ResourceState, type StateFile } from "./state";
import type { PropertyMap } from "./wire";

/** How long changes to the state may wait before they are written (see Deployment.save). */
const SAVE_EVERY_MS = 200;

export interface ProgressTiming {
  /** First progress line after this long in one step. */
  afterMs: number;
  /** Then one every this long. */
  everyMs: number;
}

export class Deployment {
  readonly steps: StepRecord[] = [];
  readonly otherErrors: StepError[] = [];
  stopped = false;
  stackOutputs: PropertyMap = {};
  private dirty = false;
  private saveTimer?: NodeJS.Timeout;

  constructor(
    readonly operation: Operation,
    readonly state: StateFile,
    private readonly stateFile: string,
    private readonly hostReady: Promise<ProviderHost>,
    private readonly progress: ProgressTiming,
    private readonly emit: (event: EngineEvent) => void,
  ) {}

  get preview(): boolean {
    return this.operation === "preview";
  }

  host(): Promise<ProviderHost> {
    return this.hostReady;
  }

  /**
   * Marks the state changed. The file is written at most every SAVE_EVERY_MS and once more when the
   * operation ends (`flush`): rewritten whole after every step, as before, it made an `up` of
   * 5,000 resources quadratic in the harness's own work (gigabytes of JSON), which drowned what the
   * benchmarks measure, the provider host.
   */
  save(): void {
    if (this.preview) return;
    this.dirty = true;
    this.saveTimer ??= setTimeout(() => this.flush(), SAVE_EVERY_MS);
  }

  /** Writes the state file now if anything changed since it was last written. */
  flush(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    saveState(this.stateFile, this.state);
  }

  /** The live (not pending-delete) resource with this URN. */
  live(urn: string): ResourceState | undefined {
    return this.state.resources.find((r) => r.urn === urn && !r.pendingDelete);
  }

  add(resource: ResourceState): void {
    this.state.resources.push(resource);
    this.save();
  }

  replace(old: ResourceState, next: ResourceState): void {
    const index = this.state.resources.indexOf(old);
    if (index < 0) {
      throw new Error(`internal: ${old.urn} is not in the state`);
    }
    this.state.resources[index] = next;
    this.save();
  }

  remove(resource: ResourceState): void {
    const index = this.state.resources.indexOf(resource);
    if (index >= 0) {
      this.state.resources.splice(index, 1);
      this.save();
    }
  }

  record(step: StepRecord): void {
    this.steps.push(step);
    if (step.error !== undefined) {
      this.stopped = true;
    }
    this.emit({ kind: "step", step });
  }

  fail(error: StepError): void {
    this.otherErrors.push(error);
    this.stopped = true;
  }

  /** Runs one provider call, emitting progress lines while it takes long. */
  async timed<T>(op: StepOp, ref: ResourceRef, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    let timer: NodeJS.Timeout;
    const tick = () => {
      this.emit({ kind: "progress", op, type: ref.type, name: ref.name, elapsedMs: Date.now() - started });
      timer = setTimeout(tick, this.progress.everyMs);
    };
    timer = setTimeout(tick, this.progress.afterMs);
    try {
      return await work();
    } finally {
      clearTimeout(timer);
    }
  }
}
