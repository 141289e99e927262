import type { FuzzTarget } from "../target.js";
import { compressionTarget } from "./compression.js";
import { filterFetchTarget } from "./filter-fetch.js";
import { filterProduceTarget } from "./filter-produce.js";
import { frameReaderTarget } from "./frame-reader.js";
import { protocolTarget } from "./protocol.js";
import { recordBatchTarget } from "./record-batch.js";
import { wasmBatchTarget } from "./wasm-batch.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const TARGETS: readonly FuzzTarget<any>[] = [
  frameReaderTarget,
  protocolTarget,
  compressionTarget,
  recordBatchTarget,
  wasmBatchTarget,
  filterProduceTarget,
  filterFetchTarget,
];

export function targetNamed(name: string): FuzzTarget<unknown> | undefined {
  return TARGETS.find((t) => t.name === name);
}

/** Splits `total` cases over `targets` by weight (every target gets at least one). */
export function planCases(targets: readonly FuzzTarget<unknown>[], total: number): Map<string, number> {
  const weight = targets.reduce((n, t) => n + t.weight, 0);
  const plan = new Map<string, number>();
  let left = total;
  targets.forEach((t, i) => {
    const n = i === targets.length - 1 ? left : Math.max(1, Math.round((total * t.weight) / weight));
    plan.set(t.name, Math.max(0, Math.min(n, left)));
    left -= plan.get(t.name)!;
  });
  return plan;
}
