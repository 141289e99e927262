// The policy exports every build carries (docs/wasm-abi.md "Policy exports"). Optional for the
// host's ABI v1 checks: a module without them is treated as policy "standard", version 0.
import * as S from "../abi/status";
import { BUILD_HASH, POLICY_FLAGS, POLICY_ID, POLICY_VERSION, policyName } from "./policy-id";
import { COUNTER_COUNT, counterAt } from "./counters";

function writable(p: usize, len: i32): bool {
  return <u64>p + <u64>len <= (<u64>memory.size() << 16) && p != 0;
}

/** out (24 bytes): policy id u32 | policy version u32 | build hash u32 | flags u32
 * | name ptr u32 | name length in bytes u32 (UTF-16LE, static). */
export function policy_info(out: usize): i32 {
  if (!writable(out, 24)) return S.BAD_ARGUMENT;
  const name = policyName();
  store<u32>(out, <u32>POLICY_ID);
  store<u32>(out, POLICY_VERSION, 4);
  store<u32>(out, BUILD_HASH, 8);
  store<u32>(out, POLICY_FLAGS, 12);
  store<u32>(out, <u32>changetype<usize>(name), 16);
  store<u32>(out, <u32>(name.length << 1), 20);
  return S.OK;
}

/** out (8 bytes per counter): u64 counters of the audit policy in the order of
 * policy/counters.ts; all zero in other builds. `count` says how many the host wants. */
export function policy_counters(out: usize, count: i32): i32 {
  if (count < 0 || count > COUNTER_COUNT || !writable(out, count * 8)) return S.BAD_ARGUMENT;
  for (let i = 0; i < count; i++) store<u64>(out + (<usize>i << 3), counterAt(i));
  return S.OK;
}
