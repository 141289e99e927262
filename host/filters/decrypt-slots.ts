/**
 * Decrypt-only key slots of the WASM filter for one synchronous pass over a fetch response: a DEK
 * is loaded (budget 0) the first time a batch needs it and stays loaded for the rest of the pass,
 * so a response of many batches under one DEK pays the key schedule once. release() empties
 * every slot it loaded; callers run it in a finally, before any await, so no other request ever
 * sees these slots.
 */
import type { KsealFilter } from "../wasm/filter.js";

export class DecryptSlots {
  private readonly bySlotKey = new Map<string, number>();
  private generation: number;

  constructor(
    private readonly filter: KsealFilter,
    /** The DEK of each EDEK (EDEK bytes as latin1 string). */
    private readonly deks: ReadonlyMap<string, Buffer>,
  ) {
    this.generation = filter.generation;
  }

  /** Makes sure every EDEK of one batch is loaded; frees all slots first if they would not fit. */
  prepare(edeks: readonly Buffer[]): void {
    this.checkGeneration();
    const missing = edeks.filter((e) => !this.bySlotKey.has(e.toString("latin1")));
    if (this.bySlotKey.size + missing.length > this.filter.slotCount) this.release();
    for (const e of missing) this.load(e);
  }

  get size(): number {
    this.checkGeneration();
    return this.bySlotKey.size;
  }

  /** Every loaded (EDEK, slot) pair, for a batch whose EDEKs are not listed yet. */
  loaded(): [Buffer, number][] {
    return [...this.bySlotKey].map(([k, s]) => [Buffer.from(k, "latin1"), s]);
  }

  slotFor = (edek: Buffer): number => {
    const s = this.bySlotKey.get(edek.toString("latin1"));
    if (s === undefined) throw new Error("EDEK not prepared");
    return s;
  };

  release(): void {
    if (this.filter.generation === this.generation) {
      for (const s of this.bySlotKey.values()) {
        try {
          this.filter.releaseKey(s);
        } catch {
          // A trap replaced the instance: its slots are gone anyway.
        }
      }
    }
    this.bySlotKey.clear();
  }

  private checkGeneration(): void {
    if (this.filter.generation !== this.generation) {
      // The instance was replaced after a trap: its slots are empty.
      this.bySlotKey.clear();
      this.generation = this.filter.generation;
    }
  }

  private load(edek: Buffer): void {
    const key = edek.toString("latin1");
    const dek = this.deks.get(key);
    if (!dek) throw new Error("no DEK for EDEK");
    const used = new Set(this.bySlotKey.values());
    let slot = 0;
    while (used.has(slot)) slot++;
    this.filter.loadKey(slot, dek, edek, { budget: 0 });
    this.bySlotKey.set(key, slot);
  }
}
