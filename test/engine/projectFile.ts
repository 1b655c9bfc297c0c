/**
 * The few fields of a program's Pulumi.yaml the harness honours: the project name (part of every
 * URN), `main` (the entry), and `options: refresh: always` (every preview and up refreshes first).
 * Read line by line: these are top-level scalars and one nested scalar, and the harness must not
 * depend on a YAML parser the package does not declare.
 */
import * as fs from "fs";
import * as path from "path";

export interface ProjectFile {
  name?: string;
  main?: string;
  refreshAlways: boolean;
}

function scalar(raw: string): string {
  return raw.replace(/\s+#.*$/, "").trim().replace(/^(["'])(.*)\1$/, "$2");
}

export function readProjectFile(programDir: string): ProjectFile {
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(programDir, f)).find((f) => fs.existsSync(f));
  const project: ProjectFile = { refreshAlways: false };
  if (!file) {
    return project;
  }
  let section = "";
  for (const line of fs.readFileSync(file, "utf8").split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(line)) {
      continue;
    }
    const top = /^([A-Za-z_][\w-]*):\s*(.*)$/.exec(line);
    if (top) {
      section = top[1];
      if (section === "name") {
        project.name = scalar(top[2]);
      } else if (section === "main") {
        project.main = scalar(top[2]);
      }
      continue;
    }
    const nested = /^\s+refresh:\s*(.*)$/.exec(line);
    if (section === "options" && nested) {
      project.refreshAlways = scalar(nested[1]) === "always";
    }
  }
  return project;
}

/** The transpiled entry module for a `main` value (a directory, a .ts or a .js file), default index.js. */
export function entryModule(main: string | undefined): string {
  if (!main) {
    return "index.js";
  }
  if (main.endsWith("/") || !/\.[cm]?[jt]s$/.test(main)) {
    return path.join(main, "index.js");
  }
  return main.replace(/\.ts$/, ".js");
}
