/**
 * A stable KsealFilter handle whose module can be replaced while the proxy runs. The encryption
 * filter uses the binding synchronously and never keeps a key slot across an await, so swapping
 * the instance between two turns of the event loop is atomic for every request: a synchronous
 * pass that started on the old module ends there, the next pass runs on the new one.
 * `generation` changes on every swap, which tells key-slot owners (DecryptSlots) that the slots
 * they loaded are gone, exactly as after a trap.
 *
 * Policy decisions the binding cannot see are applied here: under a policy that refuses
 * plaintext (strict), a fetched batch with no EDEK is run through decrypt_batch, and records
 * without the encryption header fail the batch (WASM_RECORD_DECRYPT_FAILED) instead of passing.
 */
import { KsealError } from "../errors.js";
import type { KsealFilter } from "../wasm/filter.js";
import type { PolicyInfo } from "./policy-info.js";

/** Generations of one instance stay below this; each swap moves to the next block. */
const EPOCH = 1_000_000;

export class HotSwapFilter {
  private current: KsealFilter;
  private policyInfo: PolicyInfo;
  private epoch = 0;
  /** Plaintext records refused under a strict policy (fetch). */
  refusedPlaintextRecords = 0;
  readonly handle: KsealFilter;

  constructor(initial: KsealFilter, policy: PolicyInfo) {
    this.current = initial;
    this.policyInfo = policy;
    const self = this;
    this.handle = new Proxy({} as KsealFilter, {
      get(_target, prop) {
        const cur = self.current;
        if (prop === "generation") return self.epoch * EPOCH + cur.generation;
        if (prop === "listEdeks" && self.policyInfo.refusePlaintext) return (batch: Buffer) => self.strictListEdeks(cur, batch);
        const v = (cur as unknown as Record<string | symbol, unknown>)[prop];
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(cur) : v;
      },
      set() {
        return false;
      },
    });
  }

  get policy(): PolicyInfo {
    return this.policyInfo;
  }

  /** Makes `next` serve every later call; synchronous, so no call sees half a swap. */
  swap(next: KsealFilter, policy: PolicyInfo): void {
    this.current = next;
    this.policyInfo = policy;
    this.epoch++;
  }

  private strictListEdeks(f: KsealFilter, batch: Buffer): Buffer[] {
    const edeks = f.listEdeks(batch);
    if (edeks.length > 0) return edeks; // decrypt_batch of the strict module refuses plaintext in it
    const r = f.decryptBatch(batch, []);
    const refused = r.failures.filter((x) => x.reason === "PLAINTEXT_REFUSED").length;
    if (refused > 0) {
      this.refusedPlaintextRecords += refused;
      throw new KsealError("WASM_RECORD_DECRYPT_FAILED", `policy ${this.policyInfo.name}: ${refused} records without the encryption header in an encrypted topic`);
    }
    return edeks;
  }
}
