import type { OperationResult } from "../../engine";

/**
 * The forms a credential can take on its way through HTTP, JSON, XML and logs: as it is, URI- and
 * form-encoded, base64 (as in a Basic authorization header), JSON-escaped, XML-escaped. A scan
 * for all of them finds a credential however it leaked.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    Buffer.from(secret).toString("base64"),
    Buffer.from(secret).toString("base64url"),
    JSON.stringify(secret).slice(1, -1),
    secret.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;"),
  ]);
  // Forms this short would match ordinary text; no credential of the tests is that short.
  return [...forms].filter((f) => f.length >= 8);
}

export interface Hit {
  where: string;
  form: string;
  around: string;
}

/** Everything a run left behind that a user or a log collector could read, labelled by where it came from. */
export class Transcript {
  private readonly parts: Array<{ where: string; text: string }> = [];

  add(where: string, text: string): void {
    this.parts.push({ where, text });
  }

  /** An operation's rendering, its outputs, the program's and the provider host's output, and every error message. */
  addResult(where: string, r: OperationResult): void {
    this.add(`${where}: rendered output`, r.text);
    this.add(`${where}: stack outputs`, JSON.stringify(r.outputs));
    this.add(`${where}: program output`, r.logs.program);
    this.add(`${where}: provider host output`, r.logs.provider);
    for (const e of r.summary.errors) this.add(`${where}: error of ${e.name}`, e.message);
    for (const s of r.steps) if (s.error) this.add(`${where}: step ${s.op} ${s.name}`, s.error);
  }

  size(): number {
    return this.parts.length;
  }

  find(forms: string[]): Hit[] {
    const hits: Hit[] = [];
    for (const { where, text } of this.parts) {
      for (const form of forms) {
        const at = text.indexOf(form);
        if (at >= 0) hits.push({ where, form, around: text.slice(Math.max(0, at - 60), at + form.length + 60) });
      }
    }
    return hits;
  }
}
