// Hex helpers shared by the AssemblyScript crypto tests: published vectors are written in hex.

/** The bytes of a hex string, in a fresh buffer. */
export function hex(s: string): ArrayBuffer {
  const b = new ArrayBuffer(s.length >> 1);
  for (let i = 0; i < s.length; i += 2) store<u8>(changetype<usize>(b) + (i >> 1), <u8>I32.parseInt(s.substr(i, 2), 16));
  return b;
}

/** n bytes at p as lower-case hex. */
export function toHex(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const v = load<u8>(p + i);
    s += (v < 16 ? "0" : "") + v.toString(16);
  }
  return s;
}
