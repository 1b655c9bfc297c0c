import { isHypervisorError } from "../../core/errors";
import type { VmInfoRecord } from "./parse/vmInfo";
import { retryWithin } from "./retrying";
import { isOnline, isSaved, isStopped, settled, waitForState, waitWithin, wrongState } from "./state";
import type { Call, VBoxManage } from "./vboxmanage";

type ControlledAction = "poweroff" | "savestate" | "pause" | "resume" | "reset";

/** The state each `controlvm` action leads to, by which a lost answer is told apart from a command that never ran. */
const REACHED: Partial<Record<ControlledAction, (i: VmInfoRecord) => boolean>> = {
  poweroff: isStopped,
  savestate: isSaved,
  pause: (i) => i.vmState === "paused",
  resume: (i) => i.vmState === "running",
};

const STUCK_HINT = "The VM is in guru meditation (its VM process hit a fatal error); power it off (shutdown: \"hard\") and start it again";

/**
 * The power primitives on VBoxManage. Each one first waits for a stable state (acting in the
 * middle of a transition fails or races), does nothing when the VM is already where it should
 * be, and returns when `VMState` says the change happened.
 */
export class Power {
  constructor(private readonly vbox: VBoxManage) {}

  /** stopped / suspended -> running; a paused VM is resumed. */
  start(uuid: string, call: Call): Promise<void> {
    return this.fromCurrent(uuid, call, (info) => this.startFrom(uuid, info, call));
  }

  private async startFrom(uuid: string, info: VmInfoRecord, call: Call): Promise<void> {
    if (info.vmState === "running") return;
    if (info.vmState === "paused") return this.resumeFrom(uuid, info, call);
    if (!isStopped(info) && !isSaved(info)) throw wrongState(call, info, info.vmState === "gurumeditation" ? STUCK_HINT : undefined);
    // startvm is never re-sent blindly: a lock or a lost answer may mean the first one worked,
    // and a second startvm on a running VM fails with a lock error forever. Look, then retry.
    await retryWithin(
      this.vbox,
      call,
      async () => {
        try {
          await this.vbox.startVm(uuid, call);
        } catch (e) {
          if (isHypervisorError(e, "locked") || isHypervisorError(e, "transport")) {
            const now = await settled(this.vbox, uuid, call);
            if (now.vmState === "running") return;
          }
          throw e;
        }
      },
      (e) => isHypervisorError(e, "locked") || isHypervisorError(e, "transport"),
    );
    await this.expect(uuid, call, (i) => i.vmState === "running");
  }

  /**
   * Hard power-off; a saved state is discarded. An inaccessible VM cannot be running (VirtualBox
   * cannot read the settings it would start from) and has no session to ask: there is nothing to
   * power off, and destroying it (the provider stops a VM before destroying it) must not fail here.
   */
  powerOff(uuid: string, call: Call): Promise<void> {
    return this.fromCurrent(uuid, call, async (info) => {
      if (isStopped(info) || info.inaccessible) return;
      if (isSaved(info)) {
        await this.vbox.discardState(uuid, call);
      } else {
        await this.control(uuid, "poweroff", call);
      }
      await this.expect(uuid, call, isStopped);
    });
  }

  /**
   * Vagrant's halt: a saved VM has its state discarded (no guest runs to ask), a paused one is
   * resumed (a halted guest cannot see the ACPI event), then the power button is pressed and
   * `VMState` polled until the VM is off or the window passes.
   */
  shutdownGuest(uuid: string, windowMs: number, call: Call): Promise<boolean> {
    return this.fromCurrent(uuid, call, async (info) => {
      if (isStopped(info)) return true;
      if (isSaved(info)) {
        await this.vbox.discardState(uuid, call);
        await this.expect(uuid, call, isStopped);
        return true;
      }
      if (info.vmState === "paused") await this.resumeFrom(uuid, info, call);
      else if (info.vmState !== "running") throw wrongState(call, info, info.vmState === "gurumeditation" ? STUCK_HINT : undefined);
      await this.vbox.controlVm(uuid, "acpipowerbutton", call);
      return (await waitWithin(this.vbox, uuid, call, windowMs, isStopped)) !== undefined;
    });
  }

  /** running / paused -> saved. */
  suspend(uuid: string, call: Call): Promise<void> {
    return this.fromCurrent(uuid, call, async (info) => {
      if (isSaved(info)) return;
      if (!isOnline(info)) throw wrongState(call, info, "Only a running or paused VM can be suspended; start it first");
      await this.control(uuid, "savestate", call);
      await this.expect(uuid, call, isSaved);
    });
  }

  pause(uuid: string, call: Call): Promise<void> {
    return this.fromCurrent(uuid, call, async (info) => {
      if (info.vmState === "paused") return;
      if (info.vmState !== "running") throw wrongState(call, info, "Only a running VM can be paused");
      await this.control(uuid, "pause", call);
      await waitForState(this.vbox, uuid, call, (i) => i.vmState === "paused");
    });
  }

  resume(uuid: string, call: Call): Promise<void> {
    return this.fromCurrent(uuid, call, (info) => this.resumeFrom(uuid, info, call));
  }

  private async resumeFrom(uuid: string, info: VmInfoRecord, call: Call): Promise<void> {
    if (info.vmState === "running") return;
    if (info.vmState !== "paused") throw wrongState(call, info, "Only a paused VM can be resumed");
    await this.control(uuid, "resume", call);
    await waitForState(this.vbox, uuid, call, (i) => i.vmState === "running");
  }

  /** A hard reset of the running guest; the VM stays running, so there is no state to wait for. */
  reset(uuid: string, call: Call): Promise<void> {
    return this.fromCurrent(uuid, call, async (info) => {
      if (info.vmState !== "running") throw wrongState(call, info, "Only a running VM can be reset");
      await this.control(uuid, "reset", call);
    });
  }

  /**
   * Runs a primitive on the VM's settled state: the one findVm read a moment ago when there is one
   * (taken once, see core/recentReads.ts), else a fresh read. Acting on a remembered state that
   * someone else changed since shows as a wrong state (ours or VirtualBox's refusal); the
   * primitive then runs once more on a fresh read, as it would have without the memory. Every
   * primitive decides from the state it is given, so running it again sends nothing twice.
   */
  private async fromCurrent<T>(uuid: string, call: Call, act: (info: VmInfoRecord) => Promise<T>): Promise<T> {
    const remembered = this.vbox.recent.take(uuid);
    if (remembered) {
      try {
        return await act(remembered);
      } catch (e) {
        if (!isHypervisorError(e, "invalid-state")) throw e;
      }
    }
    return act(await settled(this.vbox, uuid, call));
  }

  /**
   * `controlvm`, tolerating the race where the VM stopped by itself in between ("is not currently
   * running"): for poweroff that is the wanted outcome, for the others the caller's check reports it.
   * After a lost answer (a VBoxManage killed by a signal, a dropped SSH connection) the command may
   * or may not have run: the VM's settled state tells, and it is sent once more only when it did not.
   * A reset leaves no state to tell by, so its lost answer is reported as it is.
   */
  private async control(uuid: string, action: ControlledAction, call: Call): Promise<void> {
    for (let send = 1; ; send++) {
      try {
        await this.vbox.controlVm(uuid, action, call);
        return;
      } catch (e) {
        if (action === "poweroff" && isHypervisorError(e, "invalid-state") && /not currently running/i.test(e.detail)) return;
        const reached = REACHED[action];
        if (!reached || send > 1 || !isHypervisorError(e, "transport")) throw e;
        if (reached(await settled(this.vbox, uuid, call))) return;
      }
    }
  }

  /** Reads the settled state and fails clearly when it is not the expected one. */
  private async expect(uuid: string, call: Call, ok: (i: VmInfoRecord) => boolean): Promise<VmInfoRecord> {
    const after = await settled(this.vbox, uuid, call);
    if (!ok(after)) throw wrongState(call, after, "Something else changed the VM meanwhile, or VirtualBox could not complete the change; see the VM's log (VBox.log)");
    return after;
  }
}
