import { configure } from "../../../src/providers";
import { resetConnections } from "../../../src/providers/runtime";

/**
 * The provider module configured as the provider host does it: `hypervisor:connections` as the
 * JSON text of the stack configuration. The soak calls the hooks in this process.
 */
export async function configureProvider(profiles: Record<string, unknown>): Promise<void> {
  const json = JSON.stringify(profiles);
  await resetConnections();
  await configure({ config: { get: (k: string) => (k === "hypervisor:connections" ? json : undefined), require: () => json } } as never);
}

export async function unconfigureProvider(): Promise<void> {
  await resetConnections();
}
