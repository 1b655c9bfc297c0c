const { mkdtempSync, readdirSync, readFileSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

/**
 * Collects what test/support/proxmoxConformance.ts counted in every test file, and prints at the
 * end of the run the Proxmox API methods the product's client used, with their call counts (all
 * of them checked against the PVE schema by then).
 */
class ConformanceReporter {
  onRunStart() {
    this.dir = mkdtempSync(join(tmpdir(), "pve-conformance-"));
    // Workers start after this and inherit the environment.
    process.env.PULUMI_HYPERVISOR_CONFORMANCE_DIR = this.dir;
  }

  onRunComplete() {
    const totals = {};
    for (const f of readdirSync(this.dir)) {
      for (const [key, n] of Object.entries(JSON.parse(readFileSync(join(this.dir, f), "utf8")))) totals[key] = (totals[key] ?? 0) + n;
    }
    rmSync(this.dir, { recursive: true, force: true });
    const keys = Object.keys(totals).sort();
    if (!keys.length) return;
    const sum = keys.reduce((s, k) => s + totals[k], 0);
    const width = Math.max(...keys.map((k) => k.length));
    const lines = keys.map((k) => `  ${k.padEnd(width)}  ${String(totals[k]).padStart(7)}`);
    process.stdout.write(`\nProxmox API methods the driver used (${keys.length} methods, ${sum} requests, each checked against the PVE schema):\n${lines.join("\n")}\n`);
  }
}
module.exports = ConformanceReporter;
