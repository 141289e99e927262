/**
 * Reads the declared memory limits of a WebAssembly binary (the JS API cannot tell a Memory's
 * maximum). Binary layout: magic "\0asm", version u32, then sections: id u8, size uleb128,
 * payload. The memory section (id 5) holds a count and per memory a limits flag byte (bit 0:
 * maximum present), the minimum and, if flagged, the maximum, in 64 KiB pages (uleb128).
 */
export interface MemoryLimits {
  minPages: number;
  maxPages: number | undefined;
}

function uleb(b: Uint8Array, pos: { p: number }): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    if (pos.p >= b.length) throw new Error("truncated");
    const byte = b[pos.p++]!;
    result += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return result;
    mul *= 128;
  }
  throw new Error("uleb128 too long");
}

/** The limits of the module's own first memory, or undefined when it defines none. */
export function declaredMemoryLimits(bytes: Uint8Array): MemoryLimits | undefined {
  const pos = { p: 8 };
  while (pos.p < bytes.length) {
    const id = bytes[pos.p++]!;
    const size = uleb(bytes, pos);
    const end = pos.p + size;
    if (end > bytes.length) throw new Error("section runs past the end");
    if (id === 5) {
      const count = uleb(bytes, pos);
      if (count === 0) return undefined;
      const flags = uleb(bytes, pos);
      const minPages = uleb(bytes, pos);
      const maxPages = flags & 1 ? uleb(bytes, pos) : undefined;
      return { minPages, maxPages };
    }
    pos.p = end;
  }
  return undefined;
}
