// GHASH (SP 800-38D §6.4) against the GHASH(H, A, C) values published with the McGrew-Viega
// GCM test cases 14, 15 and 16 (AES-256 keys).
import { GHASH_KEY_BYTES, ghashBlocks, ghashInit } from "../../assembly/crypto/ghash";
import { hex, toHex } from "./hex";

// GHASH over whole blocks given as hex (A and C already zero-padded, length block appended).
function ghashHex(h: string, blocks: string, splitAt: i32): string {
  const hb = hex(h);
  const tbl = new ArrayBuffer(GHASH_KEY_BYTES);
  ghashInit(changetype<usize>(tbl), changetype<usize>(hb));
  const data = hex(blocks);
  const y = new ArrayBuffer(16);
  const n = data.byteLength >> 4;
  // Two calls: the state must carry over between updates.
  ghashBlocks(changetype<usize>(tbl), changetype<usize>(y), changetype<usize>(data), splitAt);
  ghashBlocks(changetype<usize>(tbl), changetype<usize>(y), changetype<usize>(data) + (splitAt << 4), n - splitAt);
  return toHex(changetype<usize>(y), 16);
}

const H15 = "acbef20579b4b8ebce889bac8732dad7";
const C15 =
  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";
const A16 = "feedfacedeadbeeffeedfacedeadbeefabaddad2000000000000000000000000";
const C16 =
  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f66200000000";

describe("GHASH (SP 800-38D)", () => {
  it("test case 14: one ciphertext block", () => {
    const blocks = "cea7403d4d606b6e074ec5d3baf39d18" + "00000000000000000000000000000080";
    expect(ghashHex("dc95c078a2408989ad48a21492842087", blocks, 1)).toBe("83de425c5edc5d498f382c441041ca92");
  });

  it("test case 15: four ciphertext blocks", () => {
    const blocks = C15 + "00000000000000000000000000000200";
    expect(ghashHex(H15, blocks, 0)).toBe("4db870d37cb75fcb46097c36230d1612");
    expect(ghashHex(H15, blocks, 3)).toBe("4db870d37cb75fcb46097c36230d1612");
  });

  it("test case 16: padded AAD and ciphertext", () => {
    const blocks = A16 + C16 + "00000000000000a000000000000001e0";
    expect(ghashHex(H15, blocks, 0)).toBe("8bd0c4d8aacd391e67cca447e8c38f65");
    expect(ghashHex(H15, blocks, 2)).toBe("8bd0c4d8aacd391e67cca447e8c38f65");
  });

  it("is linear: GHASH of a zero block with a zero state stays zero", () => {
    expect(ghashHex(H15, "00000000000000000000000000000000", 1)).toBe("00000000000000000000000000000000");
  });

  it("aggregated (8 blocks per reduction) and one-at-a-time updates agree past 8 blocks", () => {
    // 19 blocks of test case 15's ciphertext repeated: block-by-block Horner vs one call.
    const blocks = C15 + C15 + C15 + C15 + "000102030405060708090a0b0c0d0e0f" + "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0" + "80000000000000000000000000000001";
    const hb = hex(H15);
    const tbl = new ArrayBuffer(GHASH_KEY_BYTES);
    ghashInit(changetype<usize>(tbl), changetype<usize>(hb));
    const data = hex(blocks);
    const y1 = new ArrayBuffer(16);
    const y2 = new ArrayBuffer(16);
    ghashBlocks(changetype<usize>(tbl), changetype<usize>(y1), changetype<usize>(data), 19);
    for (let i = 0; i < 19; i++) ghashBlocks(changetype<usize>(tbl), changetype<usize>(y2), changetype<usize>(data) + (i << 4), 1);
    expect(toHex(changetype<usize>(y1), 16)).toBe(toHex(changetype<usize>(y2), 16));
  });
});
