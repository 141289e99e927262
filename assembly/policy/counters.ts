// Decision counters of the audit policy. Other builds compile the increments out (IS_AUDIT is a
// compile-time constant), so they cost nothing there.
import { IS_AUDIT } from "./policy-id";

export const C_ENCRYPTED: i32 = 0;      // records encrypted on produce
export const C_PRODUCE_KEPT: i32 = 1;   // records produced unchanged (tombstone, already encrypted)
export const C_DECRYPTED: i32 = 2;      // records decrypted on fetch
export const C_FETCH_PLAINTEXT: i32 = 3; // fetched records without the encryption header
export const C_FETCH_FAILED: i32 = 4;   // fetched records that failed to decrypt
export const COUNTER_COUNT: i32 = 5;

const counters = memory.data(COUNTER_COUNT * 8, 8);

@inline export function count(which: i32, n: u64 = 1): void {
  if (IS_AUDIT) {
    const p = counters + (<usize>which << 3);
    store<u64>(p, load<u64>(p) + n);
  }
}

export function counterAt(which: i32): u64 {
  return load<u64>(counters + (<usize>which << 3));
}

const saved = memory.data(COUNTER_COUNT * 8, 8);

/** Around the self-test: its known-answer batches are not traffic. */
export function saveCounters(): void {
  if (IS_AUDIT) memory.copy(saved, counters, COUNTER_COUNT * 8);
}

export function restoreCounters(): void {
  if (IS_AUDIT) memory.copy(counters, saved, COUNTER_COUNT * 8);
}
