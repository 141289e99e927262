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
  return parseRecords(section, count).map((r) => r.value);
}

const ENCRYPTION_HEADER = Buffer.from("kroxylicious.io/encryption");

export interface ParsedRecord {
  value: Buffer | null;
  /** Carries the record-encryption header (its value claims to be ciphertext). */
  encrypted: boolean;
}

/** The records of a plain records section; throws when it does not parse exactly. */
export function parseRecords(section: Buffer, count: number): ParsedRecord[] {
  const c = new Cursor(section);
  const values: ParsedRecord[] = [];
  while (c.pos < section.length) {
    const len = c.varint();
    const end = c.pos + len;
    if (len < 0 || end > section.length) throw new Error("record length past the end");
    c.pos++; // attributes
    c.varint(); // timestampDelta
    c.varint(); // offsetDelta
    c.bytes(); // key
    const value = c.bytes();
    const headers = c.varint();
    if (headers < 0 || headers > section.length) throw new Error("bad header count");
    let encrypted = false;
    for (let h = 0; h < headers; h++) {
      const k = c.bytes();
      c.bytes();
      if (k && k.equals(ENCRYPTION_HEADER as unknown as Uint8Array)) encrypted = true;
    }
    values.push({ value, encrypted });
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

/**
 * The integrity oracle for decryption: `out` is what decryption released for the plain batch
 * `input`. Every record that carried the encryption header must come out as one of the values
 * originally encrypted (`originals`, hex); anything else is forged or corrupted plaintext that
 * AES-GCM should have refused. Returns a description of the first violation, or undefined.
 */
export function forgedPlaintext(input: Buffer, out: Buffer, originals: ReadonlySet<string>): string | undefined {
  if (input.length < 61 || out.length < 61) return undefined;
  let before: ParsedRecord[];
  try {
    before = parseRecords(input.subarray(61), input.readInt32BE(57));
  } catch {
    return undefined; // the module must have refused it; nothing to compare
  }
  let after: ParsedRecord[];
  try {
    after = parseRecords(out.subarray(61), out.readInt32BE(57));
  } catch (e) {
    return `decrypted batch does not parse (${(e as Error).message})`;
  }
  if (after.length !== before.length) return `${before.length} records in, ${after.length} out`;
  for (let i = 0; i < before.length; i++) {
    if (!before[i]!.encrypted) continue;
    const v = after[i]!.value;
    if (after[i]!.encrypted) return `record ${i} still carries the encryption header after decryption`;
    if (!originals.has(v === null ? "null" : v.toString("hex"))) return `record ${i} decrypted to a value never encrypted (${v === null ? "null" : `${v.length} bytes`})`;
  }
  return undefined;
}

/** Hex of every record value of plain batches (the originals forgedPlaintext checks against). */
export function valuesOf(plainBatches: Buffer[]): Set<string> {
  const out = new Set<string>();
  for (const b of plainBatches) {
    for (const r of parseRecords(b.subarray(61), b.readInt32BE(57))) out.add(r.value === null ? "null" : r.value.toString("hex"));
  }
  return out;
}
