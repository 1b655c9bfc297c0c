/**
 * What every simulator in this process saw of the product's own Proxmox client (its User-Agent
 * says pulumi-hypervisor), and every answer of any simulator that broke its method's `returns`
 * schema. The suites' conformance hook (test/support/proxmoxConformance.ts) checks and empties it
 * after each test file.
 */
export interface RecordedRequest {
  method: string;
  /** Below /api2/json, still percent-encoded, as sent. */
  path: string;
  /** The query string without "?", as sent. */
  query: string;
  /** The body as sent ("" for none). */
  body: string;
  contentType?: string;
}

export const PRODUCT_USER_AGENT = /^pulumi-hypervisor\//;

export const conformanceLog = {
  requests: [] as RecordedRequest[],
  answerProblems: [] as string[],
};
