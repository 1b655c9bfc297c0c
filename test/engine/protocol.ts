/**
 * Messages between the engine (parent) and the program runner (a child process, because
 * `pulumi.runtime.setMocks` is process-global). The runner forwards each RegisterResource request
 * and waits for the engine's answer, exactly as a program waits on the real resource monitor:
 * dependents see a resource's outputs only once its step is done (or, in preview, planned).
 */
import type { PropertyMap } from "./wire";

export interface StartMessage {
  kind: "start";
  /** Absolute path of the transpiled entry module. */
  entry: string;
  project: string;
  stack: string;
  preview: boolean;
  config: Record<string, string>;
  secretKeys: string[];
}

/** What a program's RegisterResource request carries that the engine acts on. */
export interface Registration {
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  /** Inputs in wire form: secret wrappers and, in preview, unknown sentinels kept. */
  inputs: PropertyMap;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  protect: boolean;
  retainOnDelete: boolean;
  /** Only when the program set the option, which then overrides the provider's choice. */
  deleteBeforeReplace?: boolean;
  additionalSecretOutputs: string[];
  /** Resource options the program set that the harness does not implement. */
  unsupportedOptions: string[];
}

export interface RegisterMessage extends Registration {
  kind: "register";
  seq: number;
}

export interface OutputsMessage {
  kind: "outputs";
  urn: string;
  outputs: PropertyMap;
}

export interface DoneMessage {
  kind: "done";
  errors: string[];
}

export type RunnerMessage = RegisterMessage | OutputsMessage | DoneMessage;

export interface RegisteredReply {
  kind: "registered";
  seq: number;
  urn: string;
  /** Empty while unknown (a preview of a create). */
  id: string;
  outputs: PropertyMap;
}

export interface FailedReply {
  kind: "failed";
  seq: number;
  message: string;
}

export type EngineMessage = StartMessage | RegisteredReply | FailedReply;
