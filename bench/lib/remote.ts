import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { ProxmoxSimOptions } from "../../test/sim/proxmox";
import type { ProxmoxEndpoint, RequestCounters, VboxHostEndpoint, VboxHostsOptions, VboxHostVm, WorkerCommand } from "./simWorker";
import type { SoapMeterOptions } from "./soapMeter";

const COMMAND_TIMEOUT_MS = 60_000;

/** The benchmark's side of a simulator worker (simWorker.ts): typed commands over IPC, each bounded. */
export class SimWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (m: { id: number; value?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error !== undefined) p.reject(new Error(`simulator worker: ${m.error}`));
      else p.resolve(m.value);
    });
    child.on("exit", (code) => {
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`the simulator worker exited (code ${code})`));
      }
      this.pending.clear();
    });
  }

  static spawn(): SimWorker {
    return new SimWorker(fork(join(__dirname, "simWorker.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] }));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  startProxmox(options: ProxmoxSimOptions): Promise<ProxmoxEndpoint> {
    return this.ask({ cmd: "startProxmox", options }) as Promise<ProxmoxEndpoint>;
  }

  startMeter(options: SoapMeterOptions): Promise<{ url: string }> {
    return this.ask({ cmd: "startMeter", options }) as Promise<{ url: string }>;
  }

  startVbox(options: VboxHostsOptions): Promise<VboxHostEndpoint[]> {
    return this.ask({ cmd: "startVbox", options }) as Promise<VboxHostEndpoint[]>;
  }

  vboxVms(): Promise<VboxHostVm[]> {
    return this.ask({ cmd: "vboxVms" }) as Promise<VboxHostVm[]>;
  }

  counters(): Promise<RequestCounters> {
    return this.ask({ cmd: "counters" }) as Promise<RequestCounters>;
  }

  async reset(): Promise<void> {
    await this.ask({ cmd: "reset" });
  }

  async configure(options: Extract<WorkerCommand, { cmd: "configure" }>["options"]): Promise<void> {
    await this.ask({ cmd: "configure", options });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.ask({ cmd: "close" }).catch(() => undefined);
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.disconnect();
    await exited;
  }

  private ask(c: WorkerCommand): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the simulator worker did not answer "${c.cmd}" within ${COMMAND_TIMEOUT_MS / 1000} s`));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ id, ...c });
    });
  }
}
