/**
 * Moving bytes between the main thread and the workers without copying more than needed.
 * postMessage clones a typed array together with its whole backing ArrayBuffer: a partition's
 * records, a slice of a request frame of megabytes, would carry the entire frame to the worker
 * (once per call). So inputs that are slices are copied into buffers of their own, which are
 * then moved (transferred), and a worker's results are moved back the same way.
 */

/**
 * What to post for `u`: `u` itself when it spans its whole ArrayBuffer (cloned at its own size;
 * the caller keeps it), else a copy of just its bytes, whose buffer goes into `transfer`.
 */
export function forPost(u: Uint8Array, transfer: ArrayBuffer[]): Uint8Array {
  if (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength) return u;
  // Not u.slice(): on a Buffer that is a view of the same memory, and moving its ArrayBuffer
  // would detach the caller's whole frame.
  const copy = new Uint8Array(u.byteLength);
  copy.set(u);
  transfer.push(copy.buffer);
  return copy;
}

/**
 * The ArrayBuffers of the typed arrays in `value` (arrays and plain objects walked) that span
 * their whole buffer, each once. For a worker's results only: they were made for the reply, so
 * no other view is left behind. Pool-allocated Buffers (small ones share a slab) never qualify.
 */
export function transferables(value: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 4 || v === null || typeof v !== "object") return;
    if (ArrayBuffer.isView(v)) {
      const b = v.buffer;
      if (b instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === b.byteLength && b.byteLength > 0) found.add(b);
      return;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  return [...found];
}
