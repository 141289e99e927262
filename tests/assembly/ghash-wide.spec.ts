// The wide GHASH (16 SIMD streams, multiplication by H^16 through 4-bit swizzle tables) against
// the table-free multiplier of ghash.ts, which is itself checked against the published GHASH
// values in ghash.spec.ts. Inputs are the McGrew-Viega test case 15 hash key and ciphertext.
import { GHASH_KEY_BYTES, ghashBlocks, ghashInit, ghashPowerBytes } from "../../assembly/crypto/ghash";
import { GHASH_WIDE_KEY_BYTES, ghashWide, ghashWideInit } from "../../assembly/crypto/ghash-wide";
import { hex, toHex } from "./hex";

const H15 = "acbef20579b4b8ebce889bac8732dad7";
const C15 =
  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";

describe("wide GHASH", () => {
  it("matches the 8-block aggregated GHASH on 1, 2 and 5 groups, with a nonzero start state", () => {
    const h = hex(H15);
    const tbl = new ArrayBuffer(GHASH_KEY_BYTES);
    ghashInit(changetype<usize>(tbl), changetype<usize>(h));
    // H^16 = H^8 * H^8 (one 8-block update of H^8, 0, ..., 0 from zero).
    const h8 = new ArrayBuffer(128);
    ghashPowerBytes(changetype<usize>(tbl), 7, changetype<usize>(h8));
    const h16 = new ArrayBuffer(16);
    ghashBlocks(changetype<usize>(tbl), changetype<usize>(h16), changetype<usize>(h8), 8);
    const wtbl = new ArrayBuffer(GHASH_WIDE_KEY_BYTES);
    ghashWideInit(changetype<usize>(wtbl), changetype<usize>(h16));

    // 80 blocks: test case 15's ciphertext (4 blocks) repeated, each copy with one byte changed.
    let all = "";
    for (let i = 0; i < 20; i++) all += C15;
    const data = hex(all);
    for (let i = 0; i < 80; i++) store<u8>(changetype<usize>(data) + i * 16 + (i & 15), <u8>i);

    const groups: i32[] = [1, 2, 5];
    for (let g = 0; g < groups.length; g++) {
      const y1 = hex("0123456789abcdeffedcba9876543210");
      const y2 = hex("0123456789abcdeffedcba9876543210");
      ghashWide(changetype<usize>(wtbl), changetype<usize>(tbl), changetype<usize>(y1), changetype<usize>(data), groups[g]);
      ghashBlocks(changetype<usize>(tbl), changetype<usize>(y2), changetype<usize>(data), groups[g] * 16);
      expect(toHex(changetype<usize>(y1), 16)).toBe(toHex(changetype<usize>(y2), 16));
    }
  });

  it("returns the power H^k that ghashInit stored", () => {
    const h = hex(H15);
    const tbl = new ArrayBuffer(GHASH_KEY_BYTES);
    ghashInit(changetype<usize>(tbl), changetype<usize>(h));
    const out = new ArrayBuffer(16);
    ghashPowerBytes(changetype<usize>(tbl), 0, changetype<usize>(out));
    expect(toHex(changetype<usize>(out), 16)).toBe(H15);
  });
});
