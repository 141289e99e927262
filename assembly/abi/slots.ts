// Key slots: a DEK's expanded AES-GCM context, its EDEK, and its IV counter and record budget.
// Slot table entry (SLOT_BYTES each, static):
//   0 ctx ptr u32 | 4 edek ptr u32 | 8 edek len i32 | 12 loaded u32
//   16 IV counter, 12 bytes big-endian | 28 remaining budget u32 | 32 records encrypted u32
// IVs (spec "IVs and key use"): a 96-bit big-endian counter seeded by the host from a CSPRNG
// when the DEK is loaded, one per record, never reused: the slot refuses work once its budget is
// spent or the counter would wrap, and a loaded slot cannot be loaded again without release.
import * as S from "./status";
import { GCM_CONTEXT_BYTES, gcmInit, gcmWipe } from "./aead";
import { allocBytes, freeBytes } from "./memory";
import { MAX_EDEK_BYTES, IV_BYTES } from "../format/wrapper";

export const SLOT_COUNT: i32 = 64;
/** One more slot, past the host's, that only self_test uses. */
export const SELF_TEST_SLOT: i32 = SLOT_COUNT;
const SLOT_BYTES: usize = 48;
const TABLE: usize = memory.data(<i32>SLOT_BYTES * (SLOT_COUNT + 1), 16);
let selfTesting = false;

export function selfTestSlotEnabled(on: bool): void {
  selfTesting = on;
}

// @ts-ignore: decorator
@inline function entry(slot: i32): usize {
  return TABLE + <usize>slot * SLOT_BYTES;
}

export function validSlot(slot: i32): bool {
  return slot >= 0 && (slot < SLOT_COUNT || (selfTesting && slot == SELF_TEST_SLOT));
}

export function slotLoaded(slot: i32): bool {
  return validSlot(slot) && load<u32>(entry(slot), 12) != 0;
}

export function slotCtx(slot: i32): usize { return <usize>load<u32>(entry(slot)); }
export function slotEdek(slot: i32): usize { return <usize>load<u32>(entry(slot), 4); }
export function slotEdekLen(slot: i32): i32 { return load<i32>(entry(slot), 8); }
export function slotRemaining(slot: i32): u32 { return load<u32>(entry(slot), 28); }
export function slotUsed(slot: i32): u32 { return load<u32>(entry(slot), 32); }

/** Copies the key into a fresh context and wipes the caller's copy. */
export function loadSlot(slot: i32, key: usize, edek: usize, edekLen: i32, ivSeed: usize, budget: u32): i32 {
  if (!validSlot(slot)) return S.BAD_ARGUMENT;
  if (slotLoaded(slot)) return S.SLOT_IN_USE;
  if (edekLen < 0 || edekLen > MAX_EDEK_BYTES) return S.EDEK_TOO_LONG;
  // An all-zero key is a wiped buffer handed over by mistake, never a key a KMS generated (odds
  // 2^-256): encrypting under it would publish the records, so fail closed. The whole key is
  // read whatever its bytes, and only "all zero" decides.
  let any: u64 = 0;
  for (let i: usize = 0; i < 32; i += 8) any |= load<u64>(key + i);
  if (any == 0) return S.BAD_ARGUMENT;
  const ctx = allocBytes(<usize>GCM_CONTEXT_BYTES);
  if (ctx == 0) return S.OUT_OF_MEMORY;
  const ed = allocBytes(edekLen > 0 ? <usize>edekLen : 1);
  if (ed == 0) { freeBytes(ctx, false); return S.OUT_OF_MEMORY; }
  gcmInit(ctx, key);
  memory.fill(key, 0, 32);
  memory.copy(ed, edek, <usize>edekLen);
  const e = entry(slot);
  store<u32>(e, <u32>ctx);
  store<u32>(e, <u32>ed, 4);
  store<i32>(e, edekLen, 8);
  store<u32>(e, 1, 12);
  memory.copy(e + 16, ivSeed, <usize>IV_BYTES);
  store<u32>(e, budget, 28);
  store<u32>(e, 0, 32);
  return S.OK;
}

export function releaseSlot(slot: i32): i32 {
  if (!validSlot(slot)) return S.BAD_ARGUMENT;
  if (!slotLoaded(slot)) return S.OK;
  const e = entry(slot);
  const ctx = slotCtx(slot);
  gcmWipe(ctx);
  freeBytes(ctx, true);
  freeBytes(slotEdek(slot), false);
  memory.fill(e, 0, SLOT_BYTES);
  return S.OK;
}

/** Whether n more IVs can be taken: within the budget and without the counter wrapping. */
export function canTake(slot: i32, n: u32): i32 {
  if (!slotLoaded(slot)) return S.SLOT_EMPTY;
  if (n > slotRemaining(slot)) return S.SLOT_EXHAUSTED;
  const c = entry(slot) + 16;
  const hi = bswap<u32>(load<u32>(c));
  const lo = bswap<u64>(load<u64>(c, 4));
  // the counter stays <= 2^96 - 1 after taking n
  if (hi == 0xffffffff && lo > 0xffffffffffffffff - <u64>n) return S.SLOT_EXHAUSTED;
  return S.OK;
}

/** Writes the next IV at dst and advances the counter; canTake must have allowed it. */
export function takeIv(slot: i32, dst: usize): void {
  const e = entry(slot);
  const c = e + 16;
  memory.copy(dst, c, <usize>IV_BYTES);
  for (let i = IV_BYTES - 1; i >= 0; i--) {
    const b = <u32>load<u8>(c + <usize>i) + 1;
    store<u8>(c + <usize>i, <u8>b);
    if (b < 0x100) break;
  }
  store<u32>(e, load<u32>(e, 28) - 1, 28);
  store<u32>(e, load<u32>(e, 32) + 1, 32);
}

/** The first of the given slots whose EDEK equals [edek, edek+len), or -1. */
export function findSlot(slots: usize, slotCount: i32, edek: usize, len: i32): i32 {
  for (let i = 0; i < slotCount; i++) {
    const s = load<i32>(slots + (<usize>i << 2));
    if (!slotLoaded(s) || slotEdekLen(s) != len) continue;
    if (memory.compare(slotEdek(s), edek, <usize>len) == 0) return s;
  }
  return -1;
}
