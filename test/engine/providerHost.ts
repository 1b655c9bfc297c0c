/**
 * The real dynamic provider host (`@pulumi/pulumi/cmd/dynamic-provider`), started and driven over
 * gRPC the way the Pulumi engine does it: `node <host> <engine address>` in the program's
 * directory with PULUMI_NODEJS_PROJECT set, the port read from its first stdout line, then
 * GetPluginInfo and Configure with the whole stack configuration, then Check/Diff/Create/Read/
 * Update/Delete with Struct payloads. Everything the host prints is kept for log scanning.
 */
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import { createRequire } from "module";
import * as path from "path";
import { stopChild } from "./stopChild";
import type { PropertyMap, Value } from "./wire";

type Grpc = typeof import("@grpc/grpc-js");
type ProviderGrpc = typeof import("@pulumi/pulumi/proto/provider_grpc_pb");
type ProviderPb = typeof import("@pulumi/pulumi/proto/provider_pb");
type StatusPb = typeof import("@pulumi/pulumi/proto/status_pb");
type StructPb = typeof import("google-protobuf/google/protobuf/struct_pb");
type EmptyPb = typeof import("google-protobuf/google/protobuf/empty_pb");
type Struct = InstanceType<StructPb["Struct"]>;

/** The modules of the @pulumi/pulumi the program directory resolves, so client and host agree. */
interface Protocol {
  grpc: Grpc;
  providerGrpc: ProviderGrpc;
  providerPb: ProviderPb;
  statusPb: StatusPb;
  structPb: StructPb;
  emptyPb: EmptyPb;
  hostScript: string;
}

function loadProtocol(programDir: string): Protocol {
  const fromProgram = createRequire(path.join(programDir, "package.json"));
  const fromPulumi = createRequire(fromProgram.resolve("@pulumi/pulumi/package.json"));
  return {
    grpc: fromPulumi("@grpc/grpc-js") as Grpc,
    providerGrpc: fromPulumi("./proto/provider_grpc_pb") as ProviderGrpc,
    providerPb: fromPulumi("./proto/provider_pb") as ProviderPb,
    statusPb: fromPulumi("./proto/status_pb") as StatusPb,
    structPb: fromPulumi("google-protobuf/google/protobuf/struct_pb") as StructPb,
    emptyPb: fromPulumi("google-protobuf/google/protobuf/empty_pb") as EmptyPb,
    hostScript: fromProgram.resolve("@pulumi/pulumi/cmd/dynamic-provider"),
  };
}

export interface ResourceRef {
  urn: string;
  name: string;
  type: string;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult {
  inputs: PropertyMap;
  failures: CheckFailure[];
}

/** "unknown" means the provider did not say; the engine then compares the inputs itself. */
export type DiffChanges = "unknown" | "none" | "some";

export interface DiffResult {
  changes: DiffChanges;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** The object exists but did not reach the desired state (ErrorResourceInitFailed). */
export interface InitFailure {
  id: string;
  properties: PropertyMap;
  reasons: string[];
}

export class ProviderCallError extends Error {
  constructor(
    readonly method: string,
    message: string,
    readonly initFailure?: InitFailure,
  ) {
    super(message);
    this.name = "ProviderCallError";
  }
}

export interface ProviderHost {
  readonly pluginVersion: string;
  check(req: ResourceRef & { olds: PropertyMap; news: PropertyMap }): Promise<CheckResult>;
  diff(req: ResourceRef & { id: string; olds: PropertyMap; news: PropertyMap; oldInputs: PropertyMap }): Promise<DiffResult>;
  create(req: ResourceRef & { properties: PropertyMap; preview?: boolean }): Promise<{ id: string; properties: PropertyMap }>;
  read(req: ResourceRef & { id: string; properties: PropertyMap; inputs: PropertyMap }): Promise<{ id: string; properties: PropertyMap; inputs?: PropertyMap }>;
  update(
    req: ResourceRef & { id: string; olds: PropertyMap; news: PropertyMap; oldInputs: PropertyMap; preview?: boolean },
  ): Promise<{ properties: PropertyMap }>;
  delete(req: ResourceRef & { id: string; properties: PropertyMap; oldInputs: PropertyMap }): Promise<void>;
  /** Everything the host printed: stdout after the port line, and stderr. */
  output(): string;
  close(): Promise<void>;
}

export interface ProviderHostOptions {
  programDir: string;
  project: string;
  stack: string;
  /** The whole stack configuration, namespaced keys, values as the engine sends them (strings). */
  config: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** Bound on the host printing its port (default 30 s). */
  startTimeoutMs?: number;
  /** Bound on every gRPC call (default 15 min: longer than any operation's own timeout). */
  callTimeoutMs?: number;
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_CALL_TIMEOUT_MS = 15 * 60_000;

/**
 * Resolves with the port the host prints as its first stdout line; everything printed after that
 * line goes to `rest` (the provider's own console output).
 */
function readPort(child: ChildProcess, timeoutMs: number, rest: (text: string) => void, output: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let firstLine: string | undefined;
    let buffered = "";
    const timer = setTimeout(() => fail(`did not print its port within ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null) => fail(`exited (code ${code}) before printing its port`);
    function fail(why: string) {
      clearTimeout(timer);
      child.off("exit", onExit);
      reject(new Error(`provider host ${why}\n${output()}`));
    }
    child.once("exit", onExit);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (firstLine !== undefined) {
        rest(chunk.toString("utf8"));
        return;
      }
      buffered += chunk.toString("utf8");
      const newline = buffered.indexOf("\n");
      if (newline < 0) {
        return;
      }
      firstLine = buffered.slice(0, newline).trim();
      rest(buffered.slice(newline + 1));
      clearTimeout(timer);
      child.off("exit", onExit);
      const port = Number(firstLine);
      if (Number.isInteger(port) && port > 0) {
        resolve(port);
      } else {
        reject(new Error(`provider host printed ${JSON.stringify(firstLine)} instead of a port\n${output()}`));
      }
    });
  });
}

/** Struct.fromJavaScript rejects undefined; the wire has no such value, so drop it like JSON does. */
function toStruct(p: Protocol, props: PropertyMap): Struct {
  return p.structPb.Struct.fromJavaScript(JSON.parse(JSON.stringify(props)) as Record<string, Value>);
}

function fromStruct(s: Struct | undefined): PropertyMap {
  return (s?.toJavaScript() ?? {}) as PropertyMap;
}

type Callback<Resp> = (err: import("@grpc/grpc-js").ServiceError | null, resp: Resp) => void;
type UnaryMethod<Req, Resp> = (
  req: Req,
  metadata: import("@grpc/grpc-js").Metadata,
  options: Partial<import("@grpc/grpc-js").CallOptions>,
  callback: Callback<Resp>,
) => unknown;

function initFailureOf(p: Protocol, err: import("@grpc/grpc-js").ServiceError): InitFailure | undefined {
  for (const raw of err.metadata?.get("grpc-status-details-bin") ?? []) {
    const status = p.statusPb.Status.deserializeBinary(new Uint8Array(raw as Buffer));
    for (const detail of status.getDetailsList()) {
      if (detail.getTypeName() === "pulumirpc.ErrorResourceInitFailed") {
        const failed = p.providerPb.ErrorResourceInitFailed.deserializeBinary(detail.getValue_asU8());
        return { id: failed.getId(), properties: fromStruct(failed.getProperties()), reasons: failed.getReasonsList() };
      }
    }
  }
  return undefined;
}

export async function startProviderHost(options: ProviderHostOptions): Promise<ProviderHost> {
  const p = loadProtocol(options.programDir);
  const pb = p.providerPb;
  const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const chunks: string[] = [];
  const output = () => chunks.join("");
  const child = spawn(process.execPath, [p.hostScript, "127.0.0.1:0"], {
    cwd: options.programDir,
    env: { ...process.env, ...options.env, PULUMI_NODEJS_PROJECT: options.project, PULUMI_NODEJS_STACK: options.stack },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr?.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  let port: number;
  try {
    port = await readPort(child, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS, (t) => chunks.push(t), output);
  } catch (e) {
    await stopChild(child);
    throw e;
  }

  const client = new p.providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, p.grpc.credentials.createInsecure());
  const call = <Req, Resp>(method: string, req: Req): Promise<Resp> =>
    new Promise((resolve, reject) => {
      const fn = (client as unknown as Record<string, UnaryMethod<Req, Resp>>)[method].bind(client);
      fn(req, new p.grpc.Metadata(), { deadline: Date.now() + callTimeoutMs }, (err, resp) => {
        if (err) {
          reject(new ProviderCallError(method, err.details || err.message, initFailureOf(p, err)));
        } else {
          resolve(resp);
        }
      });
    });
  const named = <T extends { setUrn(v: string): T; setName(v: string): T; setType(v: string): T }>(msg: T, ref: ResourceRef): T =>
    msg.setUrn(ref.urn).setName(ref.name).setType(ref.type);

  const close = async () => {
    client.close();
    await stopChild(child);
  };
  let pluginVersion: string;
  try {
    const info = await call<InstanceType<EmptyPb["Empty"]>, { getVersion(): string }>("getPluginInfo", new p.emptyPb.Empty());
    pluginVersion = info.getVersion();
    // As the engine configures a provider: the stack configuration as args, and the protocol
    // features it supports. The host answers acceptSecrets=false, so secrets are never sent wrapped.
    const configure = new pb.ConfigureRequest()
      .setArgs(toStruct(p, options.config))
      .setAcceptsecrets(true)
      .setAcceptresources(true)
      .setSendsOldInputs(true)
      .setSendsOldInputsToDelete(true);
    await call("configure", configure);
  } catch (e) {
    await close();
    throw e;
  }

  return {
    pluginVersion,
    async check(req) {
      const msg = named(new pb.CheckRequest(), req)
        .setOlds(toStruct(p, req.olds))
        .setNews(toStruct(p, req.news))
        .setRandomseed(crypto.randomBytes(32));
      const resp = await call<typeof msg, InstanceType<ProviderPb["CheckResponse"]>>("check", msg);
      return {
        inputs: fromStruct(resp.getInputs()),
        failures: resp.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(req) {
      const msg = named(new pb.DiffRequest(), req)
        .setId(req.id)
        .setOlds(toStruct(p, req.olds))
        .setNews(toStruct(p, req.news))
        .setOldInputs(toStruct(p, req.oldInputs));
      const resp = await call<typeof msg, InstanceType<ProviderPb["DiffResponse"]>>("diff", msg);
      const kinds = pb.DiffResponse.DiffChanges;
      const changes = resp.getChanges() === kinds.DIFF_SOME ? "some" : resp.getChanges() === kinds.DIFF_NONE ? "none" : "unknown";
      return { changes, replaces: resp.getReplacesList(), deleteBeforeReplace: resp.getDeletebeforereplace() };
    },
    async create(req) {
      const msg = named(new pb.CreateRequest(), req)
        .setProperties(toStruct(p, req.properties))
        .setPreview(req.preview ?? false);
      const resp = await call<typeof msg, InstanceType<ProviderPb["CreateResponse"]>>("create", msg);
      return { id: resp.getId(), properties: fromStruct(resp.getProperties()) };
    },
    async read(req) {
      const msg = named(new pb.ReadRequest(), req)
        .setId(req.id)
        .setProperties(toStruct(p, req.properties))
        .setInputs(toStruct(p, req.inputs));
      const resp = await call<typeof msg, InstanceType<ProviderPb["ReadResponse"]>>("read", msg);
      return {
        id: resp.getId(),
        properties: fromStruct(resp.getProperties()),
        inputs: resp.hasInputs() ? fromStruct(resp.getInputs()) : undefined,
      };
    },
    async update(req) {
      const msg = named(new pb.UpdateRequest(), req)
        .setId(req.id)
        .setOlds(toStruct(p, req.olds))
        .setNews(toStruct(p, req.news))
        .setOldInputs(toStruct(p, req.oldInputs))
        .setPreview(req.preview ?? false);
      const resp = await call<typeof msg, InstanceType<ProviderPb["UpdateResponse"]>>("update", msg);
      return { properties: fromStruct(resp.getProperties()) };
    },
    async delete(req) {
      const msg = named(new pb.DeleteRequest(), req)
        .setId(req.id)
        .setProperties(toStruct(p, req.properties))
        .setOldInputs(toStruct(p, req.oldInputs));
      await call("delete", msg);
    },
    output,
    close,
  };
}
