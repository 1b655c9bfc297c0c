import { describe } from "@jest/globals";
import { vcsimUnavailableSync } from "./index";

/**
 * `describe` for suites that need vcsim. Without Go or the govmomi sources the suite is skipped with
 * a visible notice, unless PULUMI_HYPERVISOR_REQUIRE_VCSIM=1 (CI sets it, so that CI never skips):
 * then the suite runs and fails on the missing toolchain.
 */
export function describeWithVcsim(name: string, fn: () => void): void {
  const missing = vcsimUnavailableSync();
  if (missing && process.env.PULUMI_HYPERVISOR_REQUIRE_VCSIM !== "1") {
    process.stderr.write(`\n*** SKIPPED vSphere suite "${name}": ${missing} ***\n\n`);
    describe.skip(name, fn);
    return;
  }
  describe(name, fn);
}

/** The first build of vcsim takes 15-25 s; suites build in beforeAll with this timeout. */
export const VCSIM_BUILD_TIMEOUT_MS = 300_000;
