// kseal filter module, ABI v1. docs/wasm-abi.md is the contract: every export, argument, output
// layout and status code. Every function returns an i32 status (abi/status.ts) and hands results
// back through a host-given `out` pointer; nothing here throws on bad input.
import * as S from "./abi/status";
import { ALLOC_MAX, allocBytes, freeBytes, liveBytes } from "./abi/memory";
import { loadSlot, releaseSlot, slotLoaded, slotRemaining, slotUsed, validSlot, SLOT_COUNT } from "./abi/slots";
import { encryptBatch } from "./abi/encrypt";
import { decryptBatch, listEdeks } from "./abi/decrypt";
import { selfTest } from "./abi/self-test";
import { crc32c as crc } from "./kafka/crc32c";

/** ABI version marker: the host refuses a module without `kseal_abi_v1` == 1. */
export const kseal_abi_v1: i32 = 1;
/** A 64-byte scratch area the host may use for `out` arguments. */
export const kseal_io: usize = memory.data(64, 16);
/** Number of key slots (0 .. kseal_slot_count - 1). */
export const kseal_slot_count: i32 = SLOT_COUNT;

function inMemory(p: usize, len: i32): bool {
  if (len < 0) return false;
  const size = <u64>memory.size() << 16;
  return <u64>p + <u64>len <= size && (p != 0 || len == 0);
}

function checkBuffer(p: usize, len: i32): i32 {
  if (len < 0 || !inMemory(p, len)) return S.BAD_ARGUMENT;
  if (<usize>len > ALLOC_MAX) return S.TOO_LARGE;
  return S.OK;
}

/** out: u32 pointer to `size` fresh bytes (16-byte aligned). */
export function alloc(size: i32, out: usize): i32 {
  if (size < 0 || !inMemory(out, 4)) return S.BAD_ARGUMENT;
  if (<usize>size > ALLOC_MAX) return S.TOO_LARGE;
  const p = allocBytes(<usize>size);
  if (p == 0) return S.OUT_OF_MEMORY;
  store<u32>(out, <u32>p);
  return S.OK;
}

/** Frees a block from alloc or an output of this module; wipe != 0 zeroes it first. */
export function free(ptr: usize, wipe: i32): i32 {
  if (ptr == 0) return S.OK;
  if ((ptr & 15) != 0 || !inMemory(ptr, 0)) return S.BAD_ARGUMENT;
  freeBytes(ptr, wipe != 0);
  return S.OK;
}

/** out: u32 bytes currently allocated (for leak checks). */
export function live_bytes(out: usize): i32 {
  if (!inMemory(out, 4)) return S.BAD_ARGUMENT;
  store<u32>(out, <u32>liveBytes());
  return S.OK;
}

/** Loads a DEK (32 bytes at key, zeroed afterwards), its EDEK, a 12-byte IV seed and a budget of
 * records it may encrypt (0: decrypt only) into an empty slot. */
export function slot_load(slot: i32, key: usize, edek: usize, edekLen: i32, ivSeed: usize, budget: u32): i32 {
  if (!inMemory(key, 32) || !inMemory(edek, edekLen) || !inMemory(ivSeed, 12)) return S.BAD_ARGUMENT;
  return loadSlot(slot, key, edek, edekLen, ivSeed, budget);
}

/** Wipes a slot (key context, EDEK, counter). Releasing an empty slot is OK. */
export function slot_release(slot: i32): i32 {
  return releaseSlot(slot);
}

/** out (12 bytes): loaded u32 | remaining budget u32 | records encrypted u32. */
export function slot_info(slot: i32, out: usize): i32 {
  if (!validSlot(slot) || !inMemory(out, 12)) return S.BAD_ARGUMENT;
  const loaded = slotLoaded(slot);
  store<u32>(out, loaded ? 1 : 0);
  store<u32>(out, loaded ? slotRemaining(slot) : 0, 4);
  store<u32>(out, loaded ? slotUsed(slot) : 0, 8);
  return S.OK;
}

export function encrypt_batch(slot: i32, batch: usize, len: i32, out: usize): i32 {
  if (!inMemory(out, 16)) return S.BAD_ARGUMENT;
  const st = checkBuffer(batch, len);
  if (st != S.OK) { memory.fill(out, 0, 16); return st; }
  return encryptBatch(slot, batch, len, out);
}

export function list_edeks(batch: usize, len: i32, out: usize): i32 {
  if (!inMemory(out, 8)) return S.BAD_ARGUMENT;
  const st = checkBuffer(batch, len);
  if (st != S.OK) { memory.fill(out, 0, 8); return st; }
  return listEdeks(batch, len, out);
}

export function decrypt_batch(batch: usize, len: i32, slots: usize, slotCount: i32, out: usize): i32 {
  if (!inMemory(out, 24)) return S.BAD_ARGUMENT;
  let st = checkBuffer(batch, len);
  if (st == S.OK && (slotCount < 0 || slotCount > SLOT_COUNT || !inMemory(slots, slotCount * 4))) st = S.BAD_ARGUMENT;
  if (st != S.OK) { memory.fill(out, 0, 24); return st; }
  return decryptBatch(batch, len, slots, slotCount, out);
}

/** out: u32 CRC-32C of [p, p+len). */
export function crc32c(p: usize, len: i32, out: usize): i32 {
  if (!inMemory(out, 4) || !inMemory(p, len)) return S.BAD_ARGUMENT;
  store<u32>(out, crc(p, <usize>len));
  return S.OK;
}

/** Runs the known-answer tests; out: u32 number of the first failing test (0 when OK). */
export function self_test(out: usize): i32 {
  if (!inMemory(out, 4)) return S.BAD_ARGUMENT;
  const failed = selfTest();
  store<u32>(out, <u32>failed);
  return failed == 0 ? S.OK : S.SELF_TEST_FAILED;
}
