// The encrypted-record format v2 pieces: header bytes, wrapper layout, parcel layout.
import * as S from "../../assembly/abi/status";
import { HEADER_BYTES, isEncryptionHeaderName, isSupportedVersion, writeEncryptionHeader } from "../../assembly/format/encryption-header";
import { parseWrapper, wrapperSize, writeWrapperHead, wCiphertext, wCiphertextLen, wEdek, wEdekLen, wIv, wTag } from "../../assembly/format/wrapper";
import { parcelSize, parseParcel, writeParcel, writeParcelHeadersAsRecordHeaders, pHdrCount, pHdrsRecordSize, pValue, pValueLen } from "../../assembly/format/parcel";

function hexAt(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const v = load<u8>(p + i);
    s += (v < 16 ? "0" : "") + v.toString(16);
  }
  return s;
}

function fromHex(s: string): usize {
  const n = s.length >> 1;
  const b = heap.alloc(n > 0 ? <usize>n : 1);
  for (let i = 0; i < n; i++) store<u8>(b + i, <u8>I32.parseInt(s.substr(i * 2, 2), 16));
  return b;
}

const BUF = heap.alloc(1024);

describe("encryption header", () => {
  it("is 29 bytes: zig-zag 26, the name, zig-zag 1, 0x02", () => {
    expect(<i32>(writeEncryptionHeader(BUF) - BUF)).toBe(HEADER_BYTES);
    // "kroxylicious.io/encryption" in ASCII
    expect(hexAt(BUF, 29)).toBe("34" + "6b726f78796c6963696f75732e696f2f656e6372797074696f6e" + "02" + "02");
    expect(isEncryptionHeaderName(BUF + 1, 26)).toBe(true);
    expect(isEncryptionHeaderName(BUF + 1, 25)).toBe(false);
  });
  it("accepts exactly one byte 0x02", () => {
    const v = fromHex("020201");
    expect(isSupportedVersion(v, 1)).toBe(true);
    expect(isSupportedVersion(v, 2)).toBe(false);
    expect(isSupportedVersion(v + 2, 1)).toBe(false);
    expect(isSupportedVersion(v, 0)).toBe(false);
    expect(isSupportedVersion(v, -1)).toBe(false);
  });
});

describe("wrapper", () => {
  it("writes cipher id, uvarint EDEK length, EDEK, AAD id", () => {
    const edek = fromHex("aabbcc");
    const after = writeWrapperHead(BUF, edek, 3);
    expect(hexAt(BUF, <i32>(after - BUF))).toBe("0003aabbcc00");
    expect(wrapperSize(3, 10)).toBe(1 + 1 + 3 + 1 + 12 + 10 + 16);
    expect(wrapperSize(200, 1)).toBe(1 + 2 + 200 + 1 + 12 + 1 + 16);
    expect(wrapperSize(78, 3)).toBe(112); // the spec's 1-byte value with a local-KMS EDEK
  });
  it("parses its fields", () => {
    const w = fromHex("0002eeff00" + "0102030405060708090a0b0c" + "c1c2c3" + "101112131415161718191a1b1c1d1e1f");
    expect(parseWrapper(w, 36)).toBe(S.OK);
    expect(wEdek).toBe(w + 2);
    expect(wEdekLen).toBe(2);
    expect(wIv).toBe(w + 5);
    expect(wCiphertext).toBe(w + 17);
    expect(wCiphertextLen).toBe(3);
    expect(wTag).toBe(w + 20);
  });
  it("refuses unknown ids, truncation and EDEKs over 32767 bytes", () => {
    const w = fromHex("0002eeff00" + "0102030405060708090a0b0c" + "101112131415161718191a1b1c1d1e1f");
    expect(parseWrapper(w, 33)).toBe(S.OK);
    expect(parseWrapper(w, 32)).toBe(S.REC_WRAPPER_TRUNCATED);
    expect(parseWrapper(w, 0)).toBe(S.REC_WRAPPER_TRUNCATED);
    expect(parseWrapper(w, 3)).toBe(S.REC_WRAPPER_TRUNCATED);
    store<u8>(w, 1);
    expect(parseWrapper(w, 33)).toBe(S.REC_CIPHER_UNKNOWN);
    store<u8>(w, 0);
    store<u8>(w + 4, 1);
    expect(parseWrapper(w, 33)).toBe(S.REC_AAD_UNKNOWN);
    const big = fromHex("0080800200"); // EDEK length 32768
    expect(parseWrapper(big, 5)).toBe(S.REC_WRAPPER_TRUNCATED);
  });
});

describe("parcel", () => {
  it("value only: zigzag(len) || value || 0x03", () => {
    const v = fromHex("68656c6c6f");
    expect(parcelSize(5)).toBe(7);
    expect(hexAt(BUF, <i32>(writeParcel(BUF, v, 5) - BUF))).toBe("0a68656c6c6f03");
    expect(hexAt(BUF, <i32>(writeParcel(BUF, v, 0) - BUF))).toBe("0003");
    expect(parseParcel(BUF, 2)).toBe(S.OK);
    expect(pValueLen).toBe(0);
    expect(pHdrCount).toBe(-2);
  });
  it("reads null and absent values and carried headers", () => {
    let p = fromHex("0103");
    expect(parseParcel(p, 2)).toBe(S.OK);
    expect(pValueLen).toBe(-1);
    p = fromHex("0303");
    expect(parseParcel(p, 2)).toBe(S.OK);
    expect(pValueLen).toBe(-2);
    // value "a", 2 headers: key "k" (uvarint 1) value "v"; key of 64 bytes, null value
    let hex = "0261" + "04" + "016b" + "0276" + "40";
    for (let i = 0; i < 64; i++) hex += "6e";
    hex += "01";
    p = fromHex(hex);
    const n = hex.length >> 1;
    expect(parseParcel(p, n)).toBe(S.OK);
    expect(pValueLen).toBe(1);
    expect(load<u8>(pValue)).toBe(0x61);
    expect(pHdrCount).toBe(2);
    // as record headers the 64-byte key length takes two bytes (zig-zag 128)
    expect(pHdrsRecordSize).toBe(<i64>(1 + 1 + 1 + 1) + <i64>(2 + 64 + 1));
    const end = writeParcelHeadersAsRecordHeaders(BUF);
    expect(<i64>(end - BUF)).toBe(pHdrsRecordSize);
    expect(hexAt(BUF, 6)).toBe("026b02768001");
  });
  it("refuses malformed parcels", () => {
    expect(parseParcel(fromHex("0a6803"), 3)).toBe(S.REC_PARCEL_MALFORMED); // value runs past
    expect(parseParcel(fromHex("026101"), 3)).toBe(S.REC_PARCEL_MALFORMED); // header count -1
    expect(parseParcel(fromHex("02610300"), 4)).toBe(S.REC_PARCEL_MALFORMED); // trailing byte
    expect(parseParcel(fromHex("05"), 1)).toBe(S.REC_PARCEL_MALFORMED); // value length -3
    expect(parseParcel(fromHex(""), 0)).toBe(S.REC_PARCEL_MALFORMED);
  });
});
