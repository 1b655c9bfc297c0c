/**
 * A login's round trips as a fresh process pays them (bench/items/coldInventory.ts): with the
 * driver's HTTP client loaded (not timed), a new TLS connection under the same trust (a pinned
 * fingerprint) and one POST /access/ticket, timed; prints the ms.
 * Settings: BENCH_PVE_ENDPOINT, BENCH_PVE_FINGERPRINT, BENCH_PVE_USER, BENCH_PVE_PASSWORD.
 */
import { HttpClient, readText } from "../../src/core/http";

async function main(): Promise<void> {
  const endpoint = new URL(process.env.BENCH_PVE_ENDPOINT ?? "");
  const body = new URLSearchParams({ username: process.env.BENCH_PVE_USER ?? "", password: process.env.BENCH_PVE_PASSWORD ?? "" }).toString();
  const started = performance.now();
  const client = new HttpClient(endpoint.origin, {
    connection: "bench-login",
    trust: { fingerprint: process.env.BENCH_PVE_FINGERPRINT },
    connectTimeoutMs: 30_000,
    maxConnections: 1,
    idleMs: 30_000,
  });
  const res = await client.request(`${endpoint.origin}/api2/json/access/ticket`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  await readText(res.body);
  const ms = performance.now() - started;
  client.close();
  if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  process.stdout.write(`${ms}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`login probe failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
