import Module from "node:module";

/**
 * Counts the time a process spends in `require` while on (outermost calls only: a module's own
 * requires are inside its time), for the cold-path probes: what a first call pays to load modules.
 */
export class RequireTimer {
  on = false;
  ms = 0;

  constructor() {
    const timer = this;
    let depth = 0;
    const original = Module.prototype.require;
    Module.prototype.require = function (this: NodeJS.Module, id: string) {
      const outermost = timer.on && depth === 0;
      const started = outermost ? performance.now() : 0;
      depth++;
      try {
        return original.call(this, id);
      } finally {
        depth--;
        if (outermost) timer.ms += performance.now() - started;
      }
    } as typeof Module.prototype.require;
  }
}
