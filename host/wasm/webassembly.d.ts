// The part of the WebAssembly JS API the filter binding uses. Node 20 has it at runtime, but the
// project compiles without lib "dom" (where TypeScript declares it) and @types/node 20 lacks it.
declare namespace WebAssembly {
  interface ModuleImportDescriptor { module: string; name: string; kind: string }
  interface ModuleExportDescriptor { name: string; kind: string }
  class Module {
    constructor(bytes: ArrayBufferView);
    static imports(module: Module): ModuleImportDescriptor[];
    static exports(module: Module): ModuleExportDescriptor[];
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Global {
    value: unknown;
  }
  class RuntimeError extends Error {}
  class CompileError extends Error {}
  function compile(bytes: ArrayBufferView): Promise<Module>;
}
