import { execFileSync } from "node:child_process";
import { isHypervisorError } from "../../core/errors";
import { fingerprintBytes, hostKeyFingerprint, isHostKeyFingerprint, sameFingerprint } from "./hostKey";
import { remoteCommand, shellQuote } from "./shellQuote";

const HOSTILE = ["../../x", "a&b<c>\"d'", "$(reboot)", "`id`", "; rm -rf /", "line\nbreak", "it's", "'", "''", "\\", "-rf", "", " spaced  out ", "*", "~", "$HOME", "é ü 中"];

describe("shellQuote", () => {
  it.each(HOSTILE)("passes %j through a real /bin/sh unchanged", (arg) => {
    const out = execFileSync("/bin/sh", ["-c", `printf '%s' ${shellQuote(arg)}`], { encoding: "utf8" });
    expect(out).toBe(arg);
  });

  it("keeps every argument separate in a whole command line", () => {
    const line = ["printf", "[%s]", ...HOSTILE].map(shellQuote).join(" ");
    expect(execFileSync("/bin/sh", ["-c", line], { encoding: "utf8" })).toBe(HOSTILE.map((a) => `[${a}]`).join(""));
  });

  it("refuses NUL, which a command line cannot carry", () => {
    try {
      shellQuote("a\0b");
      throw new Error("not refused");
    } catch (e) {
      expect(isHypervisorError(e, "invalid-input")).toBe(true);
      expect((e as Error).message).toMatch(/NUL/);
    }
  });

  it("sets the C locale through env, before the quoted executable", () => {
    expect(remoteCommand("/usr/bin/VBoxManage", ["list", "vms"])).toBe("env LANG=C LC_ALL=C '/usr/bin/VBoxManage' 'list' 'vms'");
  });
});

describe("host key fingerprints", () => {
  const blob = Buffer.from("ssh-ed25519 key blob for the test");
  const fp = hostKeyFingerprint(blob);

  it("are written like ssh-keygen -lf: SHA256 and unpadded base64", () => {
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(sameFingerprint(blob, fp)).toBe(true);
  });

  it("are also accepted as hex, with or without colons", () => {
    const hex = fingerprintBytes(fp)!.toString("hex");
    expect(sameFingerprint(blob, hex)).toBe(true);
    expect(sameFingerprint(blob, hex.toUpperCase().match(/../g)!.join(":"))).toBe(true);
  });

  it("do not match another key", () => {
    expect(sameFingerprint(Buffer.from("another key"), fp)).toBe(false);
  });

  it("are validated", () => {
    expect(isHostKeyFingerprint(fp)).toBe(true);
    expect(isHostKeyFingerprint("SHA256:short")).toBe(false);
    expect(isHostKeyFingerprint("MD5:aa:bb")).toBe(false);
  });
});
