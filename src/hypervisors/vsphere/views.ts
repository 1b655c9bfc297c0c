import { HypervisorError } from "../../core/errors";
import type { MoRef } from "./encode";
import { refOf, type Call, type ServiceContent, type VimSession } from "./session";
import { child } from "./xml";

const VIEW_TYPES = ["VirtualMachine", "HostSystem"] as const;

interface KeptView {
  generation: number;
  ref: Promise<MoRef>;
}

/**
 * The container views the inventory is read through, one per container (root folder or
 * datacenter), kept for the session's life. A view follows the inventory by itself, so making one
 * per read (CreateContainerView, then DestroyView) only added two round trips to every `getVms`
 * and every lookup by name. Views belong to the session that made them: one made before a new
 * Login is made again; all are destroyed when the connection closes.
 */
export class InventoryViews {
  private readonly views = new Map<string, KeptView>();

  constructor(private readonly session: VimSession) {}

  /** The view of VMs and hosts under `container`, made on first use in this session. */
  get(call: Call, content: ServiceContent, container: MoRef): Promise<MoRef> {
    const generation = this.session.currentGeneration;
    const kept = this.views.get(container.value);
    if (kept && kept.generation === generation) return kept.ref;
    const made: KeptView = {
      generation,
      // Safe to send again after a lost answer: a second view is harmless, and ends with the session.
      ref: call("CreateContainerView", content.viewManager, { container, type: [...VIEW_TYPES], recursive: true }, { idempotent: true }).then((answer) => {
        const ref = refOf(child(answer, "returnval"));
        if (!ref) throw new HypervisorError("CreateContainerView answered without a view", { kind: "server", code: "MalformedAnswer" });
        return ref;
      }),
    };
    made.ref.catch(() => this.forget(container, made.ref));
    this.views.set(container.value, made);
    return made.ref;
  }

  /** Drops a view the server no longer knows (ManagedObjectNotFound), so that the next read makes a new one. */
  forget(container: MoRef, ref: Promise<MoRef>): void {
    if (this.views.get(container.value)?.ref === ref) this.views.delete(container.value);
  }

  /** Destroys the views of the current session (best effort: they end with it anyway). */
  async close(timeoutMs: number): Promise<void> {
    const current = [...this.views.values()].filter((v) => v.generation === this.session.currentGeneration);
    this.views.clear();
    for (const v of current) {
      const ref = await v.ref.catch(() => undefined);
      if (ref) await this.session.cleanup("DestroyView", ref, timeoutMs);
    }
  }
}
