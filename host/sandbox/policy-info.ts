/**
 * What a filter module says about its policy (policy_info export, docs/policies.md). Layout of
 * policy_info's 24-byte out area: policy id u32 | policy version u32 | build hash u32 | flags u32
 * | name ptr u32 | name length in bytes u32 (UTF-16LE). A module without the export is a
 * pre-policy build: policy "standard", version 0, no flags.
 */
import { KsealError } from "../errors.js";
import type { KsealFilter } from "../wasm/filter.js";

export const POLICY_FLAGS = {
  /** Produce to a topic without a KEK is refused. */
  REQUIRE_KEK: 1,
  /** Fetched records of an encrypted topic without the encryption header are refused. */
  REFUSE_PLAINTEXT: 2,
  /** The module counts its decisions (policy_counters). */
  COUNTS: 4,
} as const;

/** Names of policy_counters' u64 counters, in order (assembly/policy/counters.ts). */
export const COUNTER_NAMES = ["encrypted", "produceKept", "decrypted", "fetchPlaintext", "fetchFailed"] as const;

export interface PolicyInfo {
  id: number;
  name: string;
  version: number;
  /** First 32 bits of the sha256 of the module's sources, as 8 hex digits. */
  buildHash: string;
  flags: number;
  requireKek: boolean;
  refusePlaintext: boolean;
  counts: boolean;
}

const NAME_MAX_BYTES = 128;

/** Instantiates the module on its own (abort is its only import) and asks it for its policy. */
export function readPolicyInfo(module: WebAssembly.Module): PolicyInfo {
  const instance = new WebAssembly.Instance(module, {
    env: { abort: () => { throw new WebAssembly.RuntimeError("filter module aborted"); } },
  });
  const ex = instance.exports as Record<string, unknown>;
  const fn = ex.policy_info;
  const memory = ex.memory;
  const io = ex.kseal_io;
  if (typeof fn !== "function") return describe(0, "standard", 0, 0, 0);
  if (!(memory instanceof WebAssembly.Memory) || !(io instanceof WebAssembly.Global)) {
    throw new KsealError("WASM_ABI_MISMATCH", "policy_info without memory or kseal_io");
  }
  const out = Number(io.value);
  let st: number;
  try {
    st = (fn as (out: number) => number)(out);
  } catch (cause) {
    throw new KsealError("WASM_TRAP", "policy_info trapped", { cause });
  }
  if (st !== 0) throw new KsealError("WASM_ABI_MISMATCH", `policy_info returned status ${st}`);
  const view = new DataView(memory.buffer);
  if (out + 24 > memory.buffer.byteLength) throw new KsealError("WASM_OUT_OF_BOUNDS", "policy_info out area");
  const u = (o: number) => view.getUint32(out + o, true);
  const namePtr = u(16);
  const nameLen = u(20);
  if (nameLen > NAME_MAX_BYTES || nameLen % 2 !== 0 || namePtr + nameLen > memory.buffer.byteLength) {
    throw new KsealError("WASM_OUT_OF_BOUNDS", "policy name");
  }
  const name = Buffer.from(memory.buffer, namePtr, nameLen).toString("utf16le");
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new KsealError("WASM_ABI_MISMATCH", "policy name is not [a-z][a-z0-9-]*");
  return describe(u(0), name, u(4), u(8), u(12));
}

function describe(id: number, name: string, version: number, hash: number, flags: number): PolicyInfo {
  return {
    id, name, version, flags,
    buildHash: hash.toString(16).padStart(8, "0"),
    requireKek: (flags & POLICY_FLAGS.REQUIRE_KEK) !== 0,
    refusePlaintext: (flags & POLICY_FLAGS.REFUSE_PLAINTEXT) !== 0,
    counts: (flags & POLICY_FLAGS.COUNTS) !== 0,
  };
}

/** The audit counters of a live instance, by name (all zero, or empty, in other builds). */
export function readCounters(f: KsealFilter): Record<string, string> {
  const values = f.policyCounters(COUNTER_NAMES.length) ?? [];
  return Object.fromEntries(values.map((v, i) => [COUNTER_NAMES[i]!, v.toString()]));
}
