/**
 * The plaintext oracle: given a records field the encryption filter let through for an encrypted
 * topic, says where a known plaintext value still shows. A secret may legitimately appear in a
 * record key or header (a mutation can move value bytes there); anywhere else — in a value, in a
 * batch that does not parse, in compressed bytes that do not decompress — it is a leak.
 *
 * The record parser here is written from Kafka's documented layout (record batch v2, records as
 * varint-framed fields) and shares no code with host/ or assembly/.
 */
import { decompressRecords } from "../../host/compression/index.js";

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  varint(): number {
    let z = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (this.pos >= this.buf.length) throw new Error("varint past the end");
      if (i > 9) throw new Error("varint too long");
      const b = this.buf[this.pos++]!;
      z += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) break;
    }
    // zig-zag, exact for |v| < 2^53
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  bytes(): Buffer | null {
    const n = this.varint();
    if (n < 0) return null;
    if (n > this.buf.length - this.pos) throw new Error("field past the end");
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

/** Record values of a plain records section; throws when it does not parse exactly. */
export function recordValues(section: Buffer, count: number): Array<Buffer | null> {
  const c = new Cursor(section);
  const values: Array<Buffer | null> = [];
  while (c.pos < section.length) {
    const len = c.varint();
    const end = c.pos + len;
    if (len < 0 || end > section.length) throw new Error("record length past the end");
    c.pos++; // attributes
    c.varint(); // timestampDelta
    c.varint(); // offsetDelta
    c.bytes(); // key
    values.push(c.bytes());
    const headers = c.varint();
    if (headers < 0 || headers > section.length) throw new Error("bad header count");
    for (let h = 0; h < headers; h++) {
      c.bytes();
      c.bytes();
    }
    if (c.pos !== end) throw new Error("record length does not match its fields");
  }
  if (values.length !== count) throw new Error(`${values.length} records, batch says ${count}`);
  return values;
}

/** A description of the first leak in `records`, or undefined. */
export function plaintextLeak(records: Buffer, secrets: readonly Buffer[]): string | undefined {
  const has = (b: Buffer) => secrets.find((s) => b.indexOf(s as unknown as Uint8Array) >= 0);
  let off = 0;
  let n = 0;
  while (off < records.length) {
    const rest = records.subarray(off);
    if (rest.length < 61) return has(rest) ? `plaintext in ${rest.length} trailing bytes` : undefined;
    const size = rest.readInt32BE(8) + 12;
    if (size < 61 || size > rest.length) return has(rest) ? `plaintext in a batch with batchLength ${size - 12} of ${rest.length} bytes` : undefined;
    const batch = rest.subarray(0, size);
    off += size;
    const where = `batch ${n++}`;
    const codec = batch.readInt16BE(21) & 7;
    let section = batch.subarray(61);
    if (codec !== 0) {
      if (has(section)) return `plaintext in the compressed bytes of ${where}`;
      try {
        section = decompressRecords(codec, section);
      } catch {
        continue; // nothing in clear in its bytes, and no reader can decompress it
      }
    }
    if (!has(section)) continue;
    let values: Array<Buffer | null>;
    try {
      values = recordValues(section, batch.readInt32BE(57));
    } catch (e) {
      return `plaintext in ${where}, whose records do not parse (${(e as Error).message})`;
    }
    const i = values.findIndex((v) => v !== null && has(v));
    if (i >= 0) return `plaintext value in record ${i} of ${where}`;
  }
  return undefined;
}
