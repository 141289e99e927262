// AES-256 block cipher against FIPS 197 Appendix C.3 (the published example vector).
import {
  AES256_CTR_TABLE_BYTES, AES256_ROUND_KEY_BYTES, aes256CtrBatch, aes256CtrConst, aes256CtrInit, aes256Encrypt8,
  aes256ExpandKey,
} from "../../assembly/crypto/aes";
import { hex, toHex } from "./hex";

describe("AES-256 (FIPS 197)", () => {
  it("encrypts the Appendix C.3 example in every one of the 8 lanes", () => {
    const key = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    const rk = new ArrayBuffer(AES256_ROUND_KEY_BYTES);
    aes256ExpandKey(changetype<usize>(rk), changetype<usize>(key));
    const blocks = new ArrayBuffer(128);
    const pt = hex("00112233445566778899aabbccddeeff");
    for (let i = 0; i < 8; i++) memory.copy(changetype<usize>(blocks) + i * 16, changetype<usize>(pt), 16);
    aes256Encrypt8(changetype<usize>(rk), changetype<usize>(blocks), changetype<usize>(blocks));
    for (let i = 0; i < 8; i++) {
      expect(toHex(changetype<usize>(blocks) + i * 16, 16)).toBe("8ea2b7ca516745bfeafc49904b496089");
    }
  });

  it("keeps the 8 lanes independent", () => {
    // Lane 3 holds the C.3 plaintext, the others zero blocks; E(K, 0^128) under the all-zero key
    // is the GCM hash key H of McGrew-Viega test case 13.
    const zeroKey = new ArrayBuffer(32);
    const rk = new ArrayBuffer(AES256_ROUND_KEY_BYTES);
    aes256ExpandKey(changetype<usize>(rk), changetype<usize>(zeroKey));
    const blocks = new ArrayBuffer(128);
    aes256Encrypt8(changetype<usize>(rk), changetype<usize>(blocks), changetype<usize>(blocks));
    for (let i = 0; i < 8; i++) {
      expect(toHex(changetype<usize>(blocks) + i * 16, 16)).toBe("dc95c078a2408989ad48a21492842087");
    }
    const key = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    aes256ExpandKey(changetype<usize>(rk), changetype<usize>(key));
    memory.fill(changetype<usize>(blocks), 0, 128);
    const pt = hex("00112233445566778899aabbccddeeff");
    memory.copy(changetype<usize>(blocks) + 48, changetype<usize>(pt), 16);
    aes256Encrypt8(changetype<usize>(rk), changetype<usize>(blocks), changetype<usize>(blocks));
    expect(toHex(changetype<usize>(blocks) + 48, 16)).toBe("8ea2b7ca516745bfeafc49904b496089");
    expect(toHex(changetype<usize>(blocks), 16)).toBe(toHex(changetype<usize>(blocks) + 16, 16));
    expect(toHex(changetype<usize>(blocks), 16)).not.toBe("8ea2b7ca516745bfeafc49904b496089");
  });

  it("counter batches with round 1 split match plain encryption of the counter blocks", () => {
    const key = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
    const rk = new ArrayBuffer(AES256_ROUND_KEY_BYTES);
    aes256ExpandKey(changetype<usize>(rk), changetype<usize>(key));
    const tbl = new ArrayBuffer(AES256_CTR_TABLE_BYTES);
    aes256CtrInit(changetype<usize>(rk), changetype<usize>(tbl));
    const iv = hex("cafebabefacedbaddecaf888");
    const counters: u32[] = [8, 248, 256, 0x12345678, 0xfffffff8];
    for (let i = 0; i < counters.length; i++) {
      const c = counters[i];
      const blocks = new ArrayBuffer(128);
      for (let b: u32 = 0; b < 8; b++) {
        const p = changetype<usize>(blocks) + (b << 4);
        memory.copy(p, changetype<usize>(iv), 12);
        store<u32>(p, bswap<u32>(c + b), 12);
      }
      const r = new ArrayBuffer(128);
      aes256CtrConst(changetype<usize>(rk), changetype<usize>(blocks), changetype<usize>(r));
      const fast = new ArrayBuffer(128);
      aes256CtrBatch(changetype<usize>(rk), changetype<usize>(tbl), changetype<usize>(r), c, changetype<usize>(fast), 0);
      aes256Encrypt8(changetype<usize>(rk), changetype<usize>(blocks), changetype<usize>(blocks));
      expect(toHex(changetype<usize>(fast), 128)).toBe(toHex(changetype<usize>(blocks), 128));
    }
  });
});
