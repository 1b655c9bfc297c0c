import { isHypervisorError } from "../../core/errors";
import { retryWithin } from "./retrying";
import type { Power } from "./power";
import { isStopped, settled } from "./state";
import type { Call, VBoxManage } from "./vboxmanage";

/**
 * `unregistervm <uuid> --delete` (the VM and its disks). The VM must be off: one that is not is
 * powered off first (hard: destroying is the intent; a graceful stop is the provider's choice). Right after a power-off VirtualBox still holds the session ("Cannot
 * unregister the machine ... while it is locked"), which the wrapper retries with backoff. A VM
 * that is gone already counts as destroyed, so a repeated or lost request is harmless.
 */
export async function destroyVm(vbox: VBoxManage, power: Power, uuid: string, call: Call): Promise<void> {
  try {
    const info = await settled(vbox, uuid, call);
    // An inaccessible VM has no state and no session to stop; VirtualBox unregisters it as it is.
    if (!isStopped(info) && !info.inaccessible) await power.powerOff(uuid, call);
  } catch (e) {
    if (isHypervisorError(e, "not-found")) return;
    throw e;
  }
  await retryWithin(
    vbox,
    call,
    async () => {
      try {
        await vbox.unregisterVm(uuid, call);
      } catch (e) {
        if (isHypervisorError(e, "not-found")) return;
        throw e;
      }
    },
    (e) => isHypervisorError(e, "transport"),
  );
}
