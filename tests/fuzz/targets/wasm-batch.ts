// The WASM filter's batch parser (assembly/kafka/batch.ts and the format code behind it), called
// directly through the host binding: encrypt_batch, list_edeks and decrypt_batch on mutated
// plain and encrypted batches, CRC-32C repaired on most cases so mutations reach the records.
// Oracles: a trap or an out-of-bounds result is a finding (the module must answer malformed
// input with a status); the module's allocator must be back to its baseline after every call; an
// encrypted batch (or a data batch the module passed unchanged) must hold no marker value; a
// decrypted batch must hold only values that were encrypted (GCM refuses anything altered).
import { decompressBatch } from "../../../host/compression/index.js";
import { isKsealError } from "../../../host/errors.js";
import { KsealFilter } from "../../../host/wasm/filter.js";
import { clientBatches, markerBatches, repairBatch, type BatchMeta } from "../corpus.js";
import { forgedPlaintext, plaintextLeak, valuesOf } from "../oracle.js";
import type { Prng } from "../prng.js";
import { Finding, type FuzzTarget, type Seed } from "../target.js";

const DEK = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");
/** An EDEK in the local KMS's shape (the module treats it as opaque bytes), and a fixed IV seed:
 * the corpus's encrypted batches are the same bytes in every run, so a case replays exactly. */
const EDEK = Buffer.concat([Buffer.from([128, 12]), Buffer.alloc(12, 0x11), Buffer.alloc(16, 0x22), Buffer.alloc(48, 0x33)] as unknown as Uint8Array[]);
const IV_SEED = Buffer.from("6b7365616c2d66757a7a2d31", "hex");

let filter: KsealFilter | undefined;
let baseline = 0;
/** Every record value of the corpus's plain batches: all that decryption may ever release. */
let originals: Set<string> = new Set();

function loadKey(f: KsealFilter): void {
  try {
    f.releaseKey(0);
  } catch {
    // empty already
  }
  f.loadKey(0, Buffer.from(DEK as unknown as Uint8Array), EDEK, { budget: 0xffffffff, ivSeed: IV_SEED });
  baseline = f.liveBytes();
}

export async function wasmFilter(): Promise<KsealFilter> {
  if (!filter) {
    filter = await KsealFilter.load();
    loadKey(filter);
  }
  return filter;
}

/** Every call must give back what it allocated in the module, on success and on every error. */
function checkLive(f: KsealFilter): void {
  const live = f.liveBytes();
  if (live === baseline) return;
  const was = baseline;
  baseline = live;
  throw new Finding("leak", `module allocator holds ${live} bytes after the call, ${was} before`);
}

export const wasmBatchTarget: FuzzTarget<BatchMeta> = {
  name: "wasm-batch",
  about: "the WASM module's encrypt_batch, list_edeks and decrypt_batch (assembly/kafka, assembly/format)",
  weight: 15,
  async setup() {
    const f = await wasmFilter();
    const seeds: Seed<BatchMeta>[] = [];
    const sources = [...clientBatches(), ...markerBatches()];
    originals = valuesOf(sources.map((b) => decompressBatch(b.bytes)));
    for (const b of sources) {
      const plain = decompressBatch(b.bytes);
      if (seeds.some((s) => s.bytes.equals(plain as unknown as Uint8Array))) continue;
      seeds.push({ bytes: plain, meta: b.meta, label: `plain ${b.label}` });
      seeds.push({ bytes: f.encryptBatch(plain, 0), meta: b.meta, label: `encrypted ${b.label}` });
    }
    return seeds;
  },
  fixup: (b) => repairBatch(b),
  run(batch: Buffer, meta: BatchMeta, r: Prng) {
    const f = filter!;
    const gen = f.generation;
    try {
      const op = r.int(3);
      if (op === 0) {
        const out = f.encryptBatch(batch, 0);
        // Control batches pass the module untouched by design; the host refuses them in produce
        // requests (the filter-produce target checks that).
        const control = batch.length >= 23 && (batch.readInt16BE(21) & 0x20) !== 0;
        const leak = control && out === batch ? undefined : plaintextLeak(out, meta.secrets);
        if (leak) throw new Finding("plaintext", `encrypt_batch ${out === batch ? "passed the batch unchanged" : "returned a batch"} with ${leak}`);
        return out === batch ? "encrypt: unchanged" : "encrypt: encrypted";
      } else if (op === 1) {
        return `list_edeks: ${Math.min(f.listEdeks(batch).length, 2)}`;
      } else {
        const res = f.decryptBatch(batch, r.chance(0.9) ? [[EDEK, 0]] : []);
        if (res.batch === null && res.failures.length === 0) throw new Finding("invariant", "decrypt_batch failed without naming a record");
        const forged = res.batch && res.batch !== batch ? forgedPlaintext(batch, res.batch, originals) : undefined;
        if (forged) throw new Finding("plaintext", `decrypt_batch released forged plaintext: ${forged}`);
        return res.batch === null ? "decrypt: records failed" : res.batch === batch ? "decrypt: unchanged" : "decrypt: decrypted";
      }
    } catch (e) {
      if (isKsealError(e, "WASM_TRAP") || isKsealError(e, "WASM_OUT_OF_BOUNDS")) {
        loadKey(f);
        throw new Finding("trap", `${e.code}: ${e.message}`);
      }
      throw e;
    } finally {
      if (f.generation !== gen) loadKey(f);
      else checkLive(f);
    }
  },
};
