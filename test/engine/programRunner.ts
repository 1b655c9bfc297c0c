/**
 * Runs a Pulumi program inside its program directory, as a child process of the engine harness
 * (this file is transpiled into `<program>/.engine-harness/runner.js`, so `@pulumi/pulumi`
 * resolves to the same instance the program and the installed package use).
 *
 * The program runs like the Node language host runs it — inside the root stack resource, its
 * module export (or the value its exported function returns) becoming the stack outputs — under
 * `pulumi.runtime.setMocks`, whose monitor's RegisterResource is replaced by a forward to the
 * engine over IPC. The request's own dependency lists and options are read here, because the
 * mocks' newResource never sees them.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { RegisterResourceRequest, RegisterResourceOutputsRequest } from "@pulumi/pulumi/proto/resource_pb";
import type { EngineMessage, RegisteredReply, FailedReply, Registration, RunnerMessage, StartMessage } from "./protocol";
import type { PropertyMap } from "./wire";

type Callback = (err: Error | null, resp?: unknown) => void;

interface MockMonitorLike {
  registerResource(req: RegisterResourceRequest, callback: Callback): void;
  registerResourceOutputs(req: RegisterResourceOutputsRequest, callback: Callback): void;
}

const waiting = new Map<number, (reply: RegisteredReply | FailedReply) => void>();
let lastSeq = 0;

function send(message: RunnerMessage): void {
  process.send?.(message);
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/** Options a program can set that this harness does not carry out: refuse rather than ignore them. */
function unsupportedOptions(req: RegisterResourceRequest): string[] {
  const set: [string, boolean][] = [
    ["ignoreChanges", req.getIgnorechangesList().length > 0],
    ["replaceOnChanges", req.getReplaceonchangesList().length > 0],
    ["aliases", req.getAliasesList().length > 0 || req.getAliasurnsList().length > 0],
    ["import", req.getImportid() !== ""],
    ["provider", req.getProvider() !== ""],
    ["remote (multi-language component)", req.getRemote()],
    ["deletedWith", req.getDeletedwith() !== ""],
    ["replaceWith", req.getReplaceWithList().length > 0],
    ["replacementTrigger", req.hasReplacementTrigger()],
    ["transforms", req.getTransformsList().length > 0],
    ["hooks", req.hasHooks()],
  ];
  return set.filter(([, isSet]) => isSet).map(([name]) => name);
}

function registrationOf(req: RegisterResourceRequest): Registration {
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((deps, key) => {
    propertyDependencies[key] = deps.getUrnsList();
  });
  return {
    type: req.getType(),
    name: req.getName(),
    custom: req.getCustom(),
    parent: req.getParent() || undefined,
    inputs: (req.getObject()?.toJavaScript() ?? {}) as PropertyMap,
    dependencies: req.getDependenciesList(),
    propertyDependencies,
    protect: req.getProtect() === true,
    retainOnDelete: req.getRetainondelete() === true,
    deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    unsupportedOptions: unsupportedOptions(req),
  };
}

async function register(req: RegisterResourceRequest): Promise<unknown> {
  const seq = ++lastSeq;
  const reply = await new Promise<RegisteredReply | FailedReply>((resolve) => {
    waiting.set(seq, resolve);
    send({ kind: "register", seq, ...registrationOf(req) });
  });
  waiting.delete(seq);
  if (reply.kind === "failed") {
    throw new Error(reply.message);
  }
  // The shape the SDK reads from a RegisterResourceResponse.
  return {
    getUrn: () => reply.urn,
    getId: () => reply.id,
    getObject: () => ({ toJavaScript: () => reply.outputs }),
    getPropertydependenciesMap: () => undefined,
    getResult: () => 0,
    getUnknown: () => false,
  };
}

async function run(start: StartMessage): Promise<void> {
  const errors: string[] = [];
  process.on("uncaughtException", (e) => errors.push(describe(e)));
  process.on("unhandledRejection", (e) => errors.push(describe(e)));
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        throw new Error(`${args.type} ${args.name}: reading an existing resource (get) is not supported by the engine harness`);
      },
      call: (args) => {
        throw new Error(`invoke ${args.token} is not supported by the engine harness`);
      },
    },
    start.project,
    start.stack,
    start.preview,
  );
  pulumi.runtime.setAllConfig(start.config, start.secretKeys);
  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
  monitor.registerResource = (req, callback) => {
    register(req).then(
      (resp) => callback(null, resp),
      (e: unknown) => callback(e instanceof Error ? e : new Error(String(e))),
    );
  };
  monitor.registerResourceOutputs = (req, callback) => {
    send({ kind: "outputs", urn: req.getUrn(), outputs: (req.getOutputs()?.toJavaScript() ?? {}) as PropertyMap });
    callback(null, {});
  };
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      const exported: unknown = require(path.resolve(start.entry));
      return exported instanceof Function ? await exported() : exported;
    });
    await pulumi.runtime.disconnect();
  } catch (e) {
    errors.push(describe(e));
  }
  // Exit once the message is out, like the language host: handles a program left open (a client's
  // keep-alive sockets) must not keep the run alive.
  process.send?.({ kind: "done", errors } satisfies RunnerMessage, () => process.exit(errors.length > 0 ? 1 : 0));
}

process.on("message", (message: EngineMessage) => {
  if (message.kind === "start") {
    void run(message);
  } else {
    waiting.get(message.seq)?.(message);
  }
});
