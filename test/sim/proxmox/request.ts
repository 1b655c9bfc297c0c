import type { IncomingMessage } from "node:http";
import { ApiError } from "./errors";

/** pveproxy refuses request bodies above 64 KiB. */
const MAX_BODY_BYTES = 64 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, "request too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** application/x-www-form-urlencoded as Perl decodes it: '+' is a space; the last of repeated keys wins. */
function formDecode(s: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of new URLSearchParams(s)) out[k] = v;
  return out;
}

/**
 * The parameters of a request as pve-http-server's extract_params gathers them: the body of a
 * POST or PUT (JSON when the content type says so, form-encoded otherwise), then the query
 * string on top. A DELETE's body is ignored.
 */
export function extractParams(method: string, contentType: string | undefined, body: string, query: string): Record<string, unknown> {
  let params: Record<string, unknown> = Object.create(null);
  if ((method === "POST" || method === "PUT") && body.length) {
    const ct = (contentType ?? "").split(";")[0].trim().toLowerCase();
    if (ct === "application/json") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw new ApiError(400, "malformed JSON string");
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new ApiError(400, "JSON body must be an object");
      params = Object.assign(Object.create(null), parsed);
    } else {
      params = formDecode(body);
    }
  }
  return Object.assign(params, formDecode(query));
}
