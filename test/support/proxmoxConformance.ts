import { afterAll } from "@jest/globals";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { conformanceLog } from "../sim/proxmox/schema/conformanceLog";
import { checkRequest } from "../sim/proxmox/schema/requests";
import { PRIVILEGE_TABLE } from "../../src/hypervisors/proxmox/privileges";

/** Every method the README's privilege table accounts for: one the driver calls beyond these would need privileges nobody was told of. */
const ACCOUNTED = new Set(PRIVILEGE_TABLE.flatMap((row) => row.methods));

/**
 * Runs after every test file (jest setupFilesAfterEnv): each request the product's Proxmox
 * client sent to a simulator of this file must be a method of the PVE schema with parameters it
 * accepts, and each answer a simulator gave must match its method's `returns`. A file that broke
 * either fails here, naming what; so does a method missing from the privilege table
 * (src/hypervisors/proxmox/privileges.ts). The methods used are counted for the run's closing list
 * (test/conformanceReporter.js).
 */
afterAll(() => {
  const requests = conformanceLog.requests.splice(0);
  const answerProblems = conformanceLog.answerProblems.splice(0);
  const counts: Record<string, number> = {};
  const problems: string[] = [];
  for (const r of requests) {
    const verdict = checkRequest(r);
    if (verdict.key) {
      counts[verdict.key] = (counts[verdict.key] ?? 0) + 1;
      if (!ACCOUNTED.has(verdict.key)) problems.push(`${verdict.key} is called by the driver but not in its privilege table (src/hypervisors/proxmox/privileges.ts)`);
    }
    problems.push(...verdict.problems);
  }
  const dir = process.env.PULUMI_HYPERVISOR_CONFORMANCE_DIR;
  if (dir && requests.length) writeFileSync(join(dir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`), JSON.stringify(counts));
  const unique = [...new Set([...problems, ...answerProblems.map((p) => `answer ${p}`)])];
  if (unique.length) {
    throw new Error(`Proxmox API schema conformance: ${unique.length} problem(s):\n${unique.slice(0, 40).join("\n")}`);
  }
});
