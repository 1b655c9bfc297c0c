import { hooks, type ResourceKind } from "../../../src/providers";

/**
 * One resource as the Pulumi engine drives it, without the engine: `check` with the old and new
 * inputs, then `create`, or `diff` against the stored outputs and `update` when it says so; `read`
 * for a refresh; `delete` with the stored outputs. What the engine would store (id, inputs,
 * outputs) is kept only when a hook succeeds, as the engine keeps its state.
 */
export type Props = Record<string, unknown>;

export class CheckFailed extends Error {}

/** A hook that threw: which one, how long it took, and the bound it had (its resource's timeoutSeconds). */
export class HookFailed extends Error {
  constructor(
    readonly hook: string,
    readonly elapsedMs: number,
    readonly timeoutMs: number,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error));
    this.name = "HookFailed";
  }
}

/** Runs one hook, timing it and wrapping what it throws. */
async function timed<T>(hook: string, props: Props | undefined, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } catch (e) {
    throw new HookFailed(hook, Date.now() - started, Number(props?.timeoutSeconds ?? 600) * 1000, e);
  }
}

export class ManagedResource {
  id?: string;
  inputs?: Props;
  outs?: Props;

  constructor(readonly kind: ResourceKind) {}

  get exists(): boolean {
    return this.id !== undefined;
  }

  /** `pulumi up` of this resource with these inputs; returns what the engine did. */
  async up(news: Props): Promise<"create" | "update" | "same"> {
    const provider = hooks(this.kind);
    const checked = await provider.check!(this.inputs ?? {}, news);
    if (checked.failures?.length) {
      throw new CheckFailed(checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
    }
    const inputs = checked.inputs as Props;
    if (!this.exists) {
      const created = await timed(`${this.kind}.create`, inputs, () => provider.create!(inputs));
      Object.assign(this, { id: created.id, inputs, outs: created.outs as Props });
      return "create";
    }
    const diff = await provider.diff!(this.id!, this.outs, inputs);
    if (diff.replaces?.length) throw new Error(`${this.kind}: the soak never changes replace-forcing inputs (${diff.replaces.join(", ")})`);
    // A diff that does not say lets the engine compare the inputs itself.
    const changed = diff.changes ?? JSON.stringify(inputs) !== JSON.stringify(this.inputs);
    if (!changed) {
      this.inputs = inputs;
      return "same";
    }
    const updated = await timed(`${this.kind}.update`, inputs, () => provider.update!(this.id!, this.outs, inputs));
    Object.assign(this, { inputs, outs: updated.outs as Props });
    return "update";
  }

  /** `pulumi refresh`: the live outputs, or the resource dropped when it is gone. */
  async refresh(): Promise<void> {
    if (!this.exists) return;
    const read = await timed(`${this.kind}.read`, this.outs, () => hooks(this.kind).read!(this.id!, this.outs));
    if (!read.id) Object.assign(this, { id: undefined, inputs: undefined, outs: undefined });
    else this.outs = read.props as Props;
  }

  /** `pulumi destroy` of this resource. */
  async destroy(): Promise<void> {
    if (!this.exists) return;
    await timed(`${this.kind}.delete`, this.outs, () => hooks(this.kind).delete!(this.id!, this.outs));
    Object.assign(this, { id: undefined, inputs: undefined, outs: undefined });
  }
}
