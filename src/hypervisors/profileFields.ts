import { z } from "zod";
import { isFingerprint } from "../core/fingerprint";

/** Trust settings shared by the HTTPS-speaking hypervisors (see core/tls). */
export const tlsProfileFields = {
  insecure: z.boolean().optional(),
  caCert: z.string().includes("-----BEGIN CERTIFICATE-----", { message: "must be a PEM certificate" }).optional(),
  fingerprint: z.string().refine(isFingerprint, "must be a SHA-256 fingerprint: 32 hex bytes, e.g. AB:CD:...").optional(),
};

/** Limits every profile can set. */
export const commonProfileFields = {
  /** At most this many requests (or commands) in flight to this hypervisor at once. */
  maxConcurrentRequests: z.number().int().min(1).max(256).optional(),
  /** Bound on one request's answer, in seconds (the operation as a whole has timeoutSeconds). */
  requestTimeoutSeconds: z.number().positive().max(3600).optional(),
};

export const DEFAULT_MAX_CONCURRENT_REQUESTS = 8;
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 60;
