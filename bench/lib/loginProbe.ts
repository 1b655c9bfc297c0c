/**
 * A login's round trips as a fresh process pays them (bench/items/coldInventory.ts): with undici
 * loaded (not timed), a new TLS connection and one POST /access/ticket, timed; prints the ms.
 * Settings: BENCH_PVE_ENDPOINT, BENCH_PVE_USER, BENCH_PVE_PASSWORD.
 */
import { Client } from "undici";

async function main(): Promise<void> {
  const endpoint = new URL(process.env.BENCH_PVE_ENDPOINT ?? "");
  const body = new URLSearchParams({ username: process.env.BENCH_PVE_USER ?? "", password: process.env.BENCH_PVE_PASSWORD ?? "" }).toString();
  const started = performance.now();
  const client = new Client(endpoint.origin, { connect: { rejectUnauthorized: false } });
  const res = await client.request({ path: "/api2/json/access/ticket", method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
  await res.body.text();
  const ms = performance.now() - started;
  await client.close();
  if (res.statusCode !== 200) throw new Error(`login answered ${res.statusCode}`);
  process.stdout.write(`${ms}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`login probe failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
