import type { VirtualBoxProfile } from "../../../src/hypervisors/virtualbox/profile";
import type { VBoxSim } from "./index";
import type { TestSshServer } from "./sshServer";

/** The connection profile for the stand-in: its launcher here, or VBoxManage on the SSH test server's PATH. */
export function standinProfile(sim: VBoxSim, server?: TestSshServer, auth: "key" | "password" = "key"): VirtualBoxProfile {
  if (!server) return { type: "virtualbox", vboxManage: sim.vboxManagePath };
  return {
    type: "virtualbox",
    ssh: {
      host: server.host,
      port: server.port,
      username: server.username,
      hostKeyFingerprint: server.hostKeyFingerprint,
      ...(auth === "key" ? { privateKey: server.clientPrivateKey } : { password: server.password }),
    },
  };
}
