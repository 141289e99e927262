// The record header that marks an encrypted record (spec "Record header"): name
// "kroxylicious.io/encryption", value exactly one byte, the format version 0x02. As written into a
// record (Kafka header encoding) it is 29 bytes:
//   keyLength varint 26 (0x34) | 26 name bytes | valueLength varint 1 (0x02) | 0x02
export const FORMAT_VERSION: u8 = 0x02;
export const HEADER_NAME_LEN: i32 = 26;
export const HEADER_BYTES: i32 = 29;

// "kroxylicious.io/encryption"
const NAME: usize = memory.data<u8>([
  0x6b, 0x72, 0x6f, 0x78, 0x79, 0x6c, 0x69, 0x63, 0x69, 0x6f, 0x75, 0x73, 0x2e, 0x69, 0x6f, 0x2f,
  0x65, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x69, 0x6f, 0x6e,
]);

export function isEncryptionHeaderName(p: usize, len: i32): bool {
  if (len != HEADER_NAME_LEN) return false;
  for (let i: usize = 0; i < <usize>HEADER_NAME_LEN; i++) {
    if (load<u8>(p + i) != load<u8>(NAME + i)) return false;
  }
  return true;
}

/** True when the header value says format version 2: exactly one byte, 0x02. */
export function isSupportedVersion(value: usize, valueLen: i32): bool {
  return valueLen == 1 && load<u8>(value) == FORMAT_VERSION;
}

/** Writes the 29-byte header at p and returns the position after it. */
export function writeEncryptionHeader(p: usize): usize {
  store<u8>(p, <u8>(HEADER_NAME_LEN << 1));
  memory.copy(p + 1, NAME, <usize>HEADER_NAME_LEN);
  store<u8>(p + 27, 0x02); // zig-zag of length 1
  store<u8>(p + 28, FORMAT_VERSION);
  return p + <usize>HEADER_BYTES;
}
