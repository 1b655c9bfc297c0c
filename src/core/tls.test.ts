import { isFingerprint, normalizeFingerprint, transportError } from "./tls";

describe("transportError", () => {
  it("reports an aborted request as a timeout, whatever numeric code the DOMException carries", () => {
    const e = transportError(new DOMException("The operation was aborted due to timeout", "TimeoutError"), "https://pve:8006", "lab");
    expect(e.kind).toBe("timeout");
    const wrapped = transportError(Object.assign(new TypeError("fetch failed"), { cause: new DOMException("aborted", "AbortError") }), "https://pve:8006", "lab");
    expect(wrapped.kind).toBe("timeout");
  });

  it("tells how to trust a self-signed certificate", () => {
    const cause = Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    const e = transportError(Object.assign(new TypeError("fetch failed"), { cause }), "https://pve:8006", "lab");
    expect(e.kind).toBe("tls");
    expect(e.message).toMatch(/caCert.*fingerprint.*insecure: true/);
  });

  it("reports a refused connection as a transport error naming the endpoint", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const e = transportError(Object.assign(new TypeError("fetch failed"), { cause }), "https://127.0.0.1:1", "lab");
    expect(e).toMatchObject({ kind: "transport", code: "ECONNREFUSED" });
    expect(e.message).toMatch(/cannot reach https:\/\/127\.0\.0\.1:1/);
  });
});

describe("fingerprints", () => {
  it("accepts any case, with or without colons or a sha256 prefix", () => {
    const hex = "ab".repeat(32);
    expect(normalizeFingerprint(hex)).toBe(Array(32).fill("AB").join(":"));
    expect(isFingerprint(`sha256:${hex}`)).toBe(true);
    expect(isFingerprint("AB:CD")).toBe(false);
  });
});
