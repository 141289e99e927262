// Allocation with a ceiling, so that running out of memory is a status, not a trap. Every
// block carries a 16-byte prefix holding its size (keeps 16-byte alignment for SIMD contexts).
// Limits (docs/wasm-abi.md): the module's memory is capped at 128 MiB (asconfig maximumMemory
// 2048 pages); live allocations stay under LIVE_BYTES_MAX so the allocator's own growth and
// fragmentation fit in the rest.
export const ALLOC_MAX: usize = 48 << 20;
export const LIVE_BYTES_MAX: usize = 96 << 20;
const PREFIX: usize = 16;

let live: usize = 0;

/** A block of size bytes, or 0 when over a limit. */
export function allocBytes(size: usize): usize {
  if (size > ALLOC_MAX || live + size > LIVE_BYTES_MAX) return 0;
  const p = heap.alloc(size + PREFIX);
  store<usize>(p, size);
  live += size;
  return p + PREFIX;
}

/** Frees a block from allocBytes; wipe says to zero it first (it held plaintext or keys). */
export function freeBytes(p: usize, wipe: bool): void {
  if (p == 0) return;
  const size = load<usize>(p - PREFIX);
  if (wipe) memory.fill(p, 0, size);
  live -= size;
  heap.free(p - PREFIX);
}

export function liveBytes(): usize {
  return live;
}
