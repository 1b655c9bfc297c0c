import { decodeSegment } from "../router";
import { apiSubset, matchMethod, type ApiSubset } from "./apiSchema";
import type { RecordedRequest } from "./conformanceLog";
import { checkObject, type Errors } from "./jsonSchema";

export interface RequestVerdict {
  /** "GET /nodes/{node}/qemu" when the request names a method of the schema. */
  key?: string;
  problems: string[];
}

/** Form or query text as pairs, in order, so that a repeated name is seen. */
function pairs(text: string): Array<[string, string]> {
  return [...new URLSearchParams(text)];
}

/**
 * Whether a request, as it went over the wire, is one the PVE schema defines: a method and path
 * of the schema, and parameters (path, query and form together) that its `parameters` accept,
 * each given once, sent where PVE reads them (a GET's and a DELETE's in the query, a POST's and a
 * PUT's in the body, form-encoded).
 */
export function checkRequest(r: RecordedRequest, subset: ApiSubset = apiSubset()): RequestVerdict {
  const problems: string[] = [];
  const segments = r.path.split("/").filter(Boolean).map(decodeSegment);
  const match = matchMethod(r.method, segments, subset);
  if (!match) return { problems: [`${r.method} ${r.path} is not a method of the PVE ${subset.version} schema (or of its subset the simulator serves)`] };
  const where = `${r.method} ${r.path}`;
  const inBody = r.method === "POST" || r.method === "PUT";
  if (!inBody && r.body) problems.push(`${where}: a ${r.method} carries its parameters in the query, but a body was sent`);
  if (inBody && r.body && !/^application\/x-www-form-urlencoded\b/i.test(r.contentType ?? "")) {
    problems.push(`${where}: body sent as ${r.contentType ?? "no content type"}, not application/x-www-form-urlencoded`);
  }
  const given = [...pairs(r.query), ...pairs(r.body)];
  const values: Record<string, unknown> = {};
  for (const [k, v] of given) {
    if (Object.hasOwn(values, k)) problems.push(`${where}: parameter '${k}' sent more than once`);
    values[k] = v;
  }
  for (const [k, v] of Object.entries(match.path)) {
    if (Object.hasOwn(values, k)) problems.push(`${where}: parameter '${k}' is in the path and sent again`);
    values[k] = v;
  }
  const errors: Errors = {};
  checkObject("", match.info.parameters.properties ?? {}, values, match.info.parameters.additionalProperties, errors);
  for (const [k, why] of Object.entries(errors)) problems.push(`${where}: ${k}: ${why.trim()}`);
  return { key: match.key, problems };
}
