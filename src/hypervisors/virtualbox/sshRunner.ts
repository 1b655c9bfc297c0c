import { Client, type ClientChannel, type ConnectConfig } from "ssh2";
import { HypervisorError } from "../../core/errors";
import { registerSecret } from "../../core/redact";
import { hostKeyFingerprint, sameFingerprint } from "./hostKey";
import { commandTimeoutMs, type CommandResult, type CommandRunner, type RunOptions } from "./runner";
import { remoteCommand } from "./shellQuote";

export interface SshTarget {
  host: string;
  port?: number;
  username: string;
  privateKey?: string;
  passphrase?: string;
  password?: string;
  hostKeyFingerprint: string;
}

/**
 * VBoxManage on a remote VirtualBox host, over one SSH connection per profile. The connection is
 * opened on first use (once, however many commands ask at the same time), reused by every command
 * as a separate exec channel, and opened again on the next command after it closed. The host key
 * must match the configured SHA-256 fingerprint: there is no known_hosts to fall back on, and a
 * provider must never trust a key on first use silently.
 */
export class SshRunner implements CommandRunner {
  readonly node: string;
  private client?: Promise<Client>;

  constructor(
    private readonly target: SshTarget,
    private readonly vboxManage: string,
    private readonly connectTimeoutMs: number,
    private readonly connection: string,
  ) {
    this.node = target.host;
    registerSecret(target.password);
    registerSecret(target.privateKey);
    registerSecret(target.passphrase);
  }

  private get endpoint(): string {
    return `${this.target.host}:${this.target.port ?? 22}`;
  }

  async run(args: string[], opts: RunOptions): Promise<CommandResult> {
    const command = remoteCommand(this.vboxManage, args);
    const client = await this.connected(opts);
    const timeoutMs = commandTimeoutMs(opts);
    if (timeoutMs <= 0) throw this.timedOut(args, 0);
    return new Promise((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err) {
          return reject(
            new HypervisorError(`cannot run VBoxManage on ${this.endpoint}: ${err.message}`, { kind: "transport", cause: err }),
          );
        }
        this.collect(stream, args, timeoutMs, opts.stdin).then(resolve, reject);
      });
    });
  }

  private collect(stream: ClientChannel, args: string[], timeoutMs: number, stdin?: string): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let exit: { code: number | null } | undefined;
      let failure: HypervisorError | undefined;
      const timer = setTimeout(() => {
        failure = this.timedOut(args, timeoutMs);
        stream.close();
      }, timeoutMs);
      stream.on("data", (c: Buffer) => out.push(c));
      stream.stderr.on("data", (c: Buffer) => err.push(c));
      stream.on("exit", (code: number | null) => {
        exit = { code: typeof code === "number" ? code : null };
      });
      stream.on("close", () => {
        clearTimeout(timer);
        if (failure) return reject(failure);
        if (!exit) {
          return reject(
            new HypervisorError(`the SSH channel to ${this.endpoint} closed before VBoxManage ${args[0]} reported its exit status; whether it took effect is unknown`, {
              kind: "transport",
            }),
          );
        }
        resolve({ code: exit.code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
      });
      stream.end(stdin);
    });
  }

  /** The shared connection; concurrent first callers wait for the same handshake. */
  private connected(opts: RunOptions): Promise<Client> {
    if (!this.client) {
      const timeoutMs = Math.max(1, Math.min(this.connectTimeoutMs, opts.deadline.remainingMs()));
      const opening = this.open(timeoutMs);
      this.client = opening;
      opening.catch(() => {
        if (this.client === opening) this.client = undefined;
      });
    }
    return this.client;
  }

  private open(timeoutMs: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const c = new Client();
      let presented: string | undefined;
      let ready = false;
      const config: ConnectConfig = {
        host: this.target.host,
        port: this.target.port ?? 22,
        username: this.target.username,
        privateKey: this.target.privateKey,
        passphrase: this.target.passphrase,
        password: this.target.password,
        readyTimeout: timeoutMs,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          presented = hostKeyFingerprint(key);
          return sameFingerprint(key, this.target.hostKeyFingerprint);
        },
      };
      c.on("ready", () => {
        ready = true;
        // Each command is a few small packets each way: Nagle's algorithm would hold every one of
        // them for the peer's delayed ACK (~40 ms on Linux), twice per command.
        c.setNoDelay(true);
        resolve(c);
      });
      c.on("error", (e: Error & { level?: string }) => {
        if (!ready) reject(this.connectError(e, presented, timeoutMs));
        // After the handshake, an error is followed by "close", which the channels report.
      });
      c.on("close", () => {
        if (!ready) reject(new HypervisorError(`the SSH connection to ${this.endpoint} closed during the handshake`, { kind: "transport" }));
        this.forget(c);
      });
      try {
        c.connect(config);
      } catch (e) {
        // ssh2 parses the key before connecting; its message names the problem, not the key.
        reject(
          new HypervisorError(`cannot use the SSH credentials of connection "${this.connection}": ${(e as Error).message}`, {
            kind: "invalid-input",
            hint: "Give ssh.privateKey as the key's text (OpenSSH or PEM); an encrypted key also needs ssh.passphrase",
            cause: e,
          }),
        );
      }
    });
  }

  /** Drops the cached connection if it is this one, so the next command connects again. */
  private forget(c: Client): void {
    const current = this.client;
    if (!current) return;
    current.then(
      (open) => {
        if (open === c && this.client === current) this.client = undefined;
      },
      () => undefined,
    );
  }

  private connectError(e: Error & { level?: string }, presented: string | undefined, timeoutMs: number): HypervisorError {
    if (/Host denied/i.test(e.message)) {
      return new HypervisorError(
        `the SSH host key of ${this.endpoint} has fingerprint ${presented ?? "(none)"}, not the configured ${this.target.hostKeyFingerprint}`,
        {
          kind: "tls",
          code: "HOST_KEY_MISMATCH",
          hint:
            `If the host's key changed on purpose, update ssh.hostKeyFingerprint in connection "${this.connection}" ` +
            `(on the host: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)`,
          cause: e,
        },
      );
    }
    if (e.level === "client-authentication") {
      return new HypervisorError(`SSH login as ${this.target.username} to ${this.endpoint} was refused`, {
        kind: "auth",
        hint: `Check ssh.username and ssh.privateKey or ssh.password in connection "${this.connection}"`,
        cause: e,
      });
    }
    if (e.level === "client-timeout") {
      return new HypervisorError(`no SSH handshake with ${this.endpoint} within ${Math.round(timeoutMs / 1000)} s`, { kind: "timeout", cause: e });
    }
    return new HypervisorError(`cannot reach ${this.endpoint} over SSH: ${e.message}`, {
      kind: "transport",
      code: (e as NodeJS.ErrnoException).code,
      hint: "Check ssh.host and ssh.port, the network path, and that sshd runs there",
      cause: e,
    });
  }

  private timedOut(args: string[], ms: number): HypervisorError {
    return new HypervisorError(
      `VBoxManage ${args[0]} on ${this.endpoint} gave no answer within ${Math.round(ms / 100) / 10} s; the channel was closed and whether it took effect is unknown`,
      { kind: "timeout" },
    );
  }

  async close(): Promise<void> {
    const current = this.client;
    this.client = undefined;
    if (!current) return;
    const c = await current.catch(() => undefined);
    c?.end();
  }
}
