// Known-answer self-test (run by the host before a module may serve): AES-256-GCM against the
// GCM spec's test cases 14 and 16, tag rejection, and a record batch encrypted under a fixed
// key, IV seed and EDEK that must equal the independently built answer byte for byte and
// decrypt back to the original, and fail with a tampered tag. Returns 0 or the number of the
// first failing check.
import { restoreCounters, saveCounters } from "../policy/counters";
import * as S from "./status";
import * as V from "./self-test-vectors";
import { GCM_CONTEXT_BYTES, gcmInit, gcmOpen, gcmSeal, gcmWipe } from "./aead";
import { allocBytes, freeBytes } from "./memory";
import { SELF_TEST_SLOT, loadSlot, releaseSlot, selfTestSlotEnabled } from "./slots";
import { encryptBatch } from "./encrypt";
import { decryptBatch } from "./decrypt";
import { OFF_RECORDS, parseRecord, rValue, rValueLen, sealBatch } from "../kafka/batch";

function equal(a: usize, b: usize, n: i32): bool {
  return memory.compare(a, b, <usize>n) == 0;
}

export function selfTest(): i32 {
  const ctx = allocBytes(<usize>GCM_CONTEXT_BYTES);
  const buf = allocBytes(256);
  if (ctx == 0 || buf == 0) { freeBytes(ctx, false); freeBytes(buf, false); return 1; }
  const r = gcmChecks(ctx, buf);
  gcmWipe(ctx);
  freeBytes(ctx, true);
  freeBytes(buf, true);
  if (r != 0) return r;
  // the known-answer batches are not traffic: the audit policy's counters must not count them
  saveCounters();
  const b = batchChecks();
  restoreCounters();
  return b;
}

function gcmChecks(ctx: usize, buf: usize): i32 {
  // buf: [0,32) key | [32,44) IV | [64,144) output | [160,240) second output
  memory.fill(buf, 0, 256);
  gcmInit(ctx, buf);
  gcmSeal(ctx, buf + 32, buf, 0, buf + 160, 16, buf + 64, buf + 80);
  if (!equal(buf + 64, V.GCM14_CIPHERTEXT_TAG, 32)) return 2;

  gcmInit(ctx, V.GCM16_KEY);
  const n = V.GCM16_PLAINTEXT_LEN;
  gcmSeal(ctx, V.GCM16_IV, V.GCM16_AAD, V.GCM16_AAD_LEN, V.GCM16_PLAINTEXT, n, buf + 64, buf + 64 + <usize>n);
  if (!equal(buf + 64, V.GCM16_CIPHERTEXT_TAG, V.GCM16_CIPHERTEXT_TAG_LEN)) return 3;
  if (!gcmOpen(ctx, V.GCM16_IV, V.GCM16_AAD, V.GCM16_AAD_LEN, buf + 64, n, buf + 64 + <usize>n, buf + 160)) return 4;
  if (!equal(buf + 160, V.GCM16_PLAINTEXT, n)) return 5;
  store<u8>(buf + 64 + <usize>n, load<u8>(buf + 64 + <usize>n) ^ 1);
  memory.fill(buf + 160, 0, <usize>n);
  if (gcmOpen(ctx, V.GCM16_IV, V.GCM16_AAD, V.GCM16_AAD_LEN, buf + 64, n, buf + 64 + <usize>n, buf + 160)) return 6;
  for (let i = 0; i < n; i++) if (load<u8>(buf + 160 + <usize>i) != 0) return 7;
  return 0;
}

function batchChecks(): i32 {
  const key = allocBytes(32);
  const out = allocBytes(32);
  if (key == 0 || out == 0) { freeBytes(key, false); freeBytes(out, false); return 8; }
  memory.copy(key, V.BATCH_KEY, 32);
  selfTestSlotEnabled(true);
  let r = 0;
  if (loadSlot(SELF_TEST_SLOT, key, V.BATCH_EDEK, V.BATCH_EDEK_LEN, V.BATCH_IV_SEED, 16) != S.OK) r = 9;
  if (r == 0) r = roundTrip(out);
  releaseSlot(SELF_TEST_SLOT);
  selfTestSlotEnabled(false);
  freeBytes(key, true);
  freeBytes(out, false);
  return r;
}

/** A flipped tag bit in record 0 must fail that record and release no batch. */
function tamperedTag(enc: usize, encLen: i32, out: usize): i32 {
  parseRecord(enc + OFF_RECORDS, enc + <usize>encLen);
  const last = rValue + <usize>rValueLen - 1;
  store<u8>(last, load<u8>(last) ^ 0x80);
  sealBatch(enc, encLen);
  store<i32>(out, SELF_TEST_SLOT, 28);
  const st = decryptBatch(enc, encLen, out + 28, 1, out);
  const failures = <usize>load<u32>(out, 12);
  const ok = st == S.RECORD_FAILURES && load<u32>(out) == 0 && load<u32>(out, 16) == 1 &&
    load<u32>(failures) == 0 && load<i32>(failures, 4) == S.REC_TAG_MISMATCH;
  freeBytes(failures, false);
  return ok ? 0 : 14;
}

function roundTrip(out: usize): i32 {
  if (encryptBatch(SELF_TEST_SLOT, V.BATCH_PLAIN, V.BATCH_PLAIN_LEN, out) != S.OK) return 10;
  const enc = <usize>load<u32>(out);
  const encLen = load<i32>(out, 4);
  let r = 0;
  if (encLen != V.BATCH_ENCRYPTED_LEN || !equal(enc, V.BATCH_ENCRYPTED, encLen)) r = 11;
  if (r == 0) {
    store<i32>(out, SELF_TEST_SLOT, 28);
    if (decryptBatch(enc, encLen, out + 28, 1, out) != S.OK) {
      r = 12;
    } else {
      const dec = <usize>load<u32>(out);
      const decLen = load<i32>(out, 4);
      if (decLen != V.BATCH_PLAIN_LEN || !equal(dec, V.BATCH_PLAIN, decLen)) r = 13;
      freeBytes(dec, true);
    }
  }
  if (r == 0) r = tamperedTag(enc, encLen, out);
  freeBytes(enc, false);
  return r;
}
