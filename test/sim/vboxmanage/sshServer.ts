import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Server, utils, type Connection, type ParsedKey } from "ssh2";

/**
 * An SSH server on loopback for the driver's SSH path. It runs every exec request through
 * `/bin/sh -c <command>`, exactly as sshd does, so the driver's quoting meets a real shell; the
 * environment given (the stand-in's launcher on PATH, its state file) is what that shell sees.
 */
export interface TestSshServer {
  host: string;
  port: number;
  /** The host key's fingerprint as `ssh-keygen -lf` prints it: SHA256:<base64>. */
  hostKeyFingerprint: string;
  username: string;
  password: string;
  /** A client private key (OpenSSH format) the server accepts. */
  clientPrivateKey: string;
  /** Every command line the server was asked to run, as received. */
  commands: string[];
  /** How many SSH connections were accepted (authenticated). */
  connections: number;
  /** The most commands that ran at once since the start or the last `resetPeak`. */
  peakCommands: number;
  resetPeak(): void;
  /** Ends every open connection (what a network drop or an sshd restart does). */
  dropConnections(): void;
  close(): Promise<void>;
}

export interface TestSshServerOptions {
  username?: string;
  password?: string;
  /** Environment of the commands (e.g. a PATH with the stand-in's `VBoxManage`). */
  env?: Record<string, string>;
}

export function fingerprintOf(publicKey: string | ParsedKey): string {
  const key = typeof publicKey === "string" ? parse(publicKey) : publicKey;
  return `SHA256:${createHash("sha256").update(key.getPublicSSH()).digest("base64").replace(/=+$/, "")}`;
}

function parse(key: string): ParsedKey {
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw parsed;
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

/**
 * An ed25519 key pair that ssh2 can read back. Its generator drops a leading zero byte of the
 * public key (about one pair in 200), and such a pair is unreadable, so it is discarded.
 */
function keyPair(): { public: string; private: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = utils.generateKeyPairSync("ed25519");
    if (!(utils.parseKey(pair.public) instanceof Error) && !(utils.parseKey(pair.private) instanceof Error)) return pair;
  }
  throw new Error("ssh2 generated no readable ed25519 key pair in 20 attempts");
}

export async function startSshServer(o: TestSshServerOptions = {}): Promise<TestSshServer> {
  const hostKey = keyPair();
  const clientKey = keyPair();
  const allowed = parse(clientKey.public);
  const username = o.username ?? "vbox";
  const password = o.password ?? "s3cret-vbox-pass";
  const open = new Set<Connection>();
  const state = { commands: [] as string[], connections: 0, running: 0, peak: 0 };

  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => undefined);
    client.on("authentication", (ctx) => {
      if (ctx.username !== username) return ctx.reject();
      if (ctx.method === "password" && ctx.password === password) return ctx.accept();
      if (ctx.method === "publickey" && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH())) {
        if (!ctx.signature) return ctx.accept(); // the client asks whether this key would do
        if (ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
      }
      ctx.reject(["password", "publickey"]);
    });
    client.on("ready", () => {
      state.connections++;
      // ssh2's server connection has setNoDelay like its client; @types/ssh2 only omits it.
      (client as Connection & { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
      client.on("session", (acceptSession) => {
        const session = acceptSession();
        session.on("exec", (accept, _reject, info) => {
          const stream = accept();
          state.commands.push(info.command);
          state.peak = Math.max(state.peak, ++state.running);
          // Its own process group, so that closing the channel ends the whole command, as sshd's hangup does.
          const child = spawn("/bin/sh", ["-c", info.command], { env: { ...process.env, ...o.env }, detached: true });
          child.stdout.on("data", (d: Buffer) => stream.write(d));
          child.stderr.on("data", (d: Buffer) => stream.stderr.write(d));
          stream.on("data", (d: Buffer) => child.stdin.write(d));
          stream.on("end", () => child.stdin.end());
          stream.on("close", () => {
            if (child.exitCode === null && child.signalCode === null && child.pid) {
              try {
                process.kill(-child.pid, "SIGKILL");
              } catch {
                // already gone
              }
            }
          });
          child.stdin.on("error", () => undefined);
          child.on("close", (code, signal) => {
            state.running--;
            if (signal) stream.exit(signal.replace(/^SIG/, ""), false, "");
            else stream.exit(code ?? 1);
            stream.end();
          });
        });
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: "127.0.0.1",
    port,
    hostKeyFingerprint: fingerprintOf(hostKey.public),
    username,
    password,
    clientPrivateKey: clientKey.private,
    get commands() {
      return state.commands;
    },
    get connections() {
      return state.connections;
    },
    get peakCommands() {
      return state.peak;
    },
    resetPeak: () => {
      state.peak = state.running;
    },
    dropConnections: () => {
      for (const c of open) c.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of open) c.end();
        server.close(() => resolve());
      }),
  };
}
