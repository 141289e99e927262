// Which policy this build compiles in. build/build.mjs passes `--use KSEAL_POLICY=<id>` (asconfig
// target "use"); a compile without it (as-pect, gcm-test) gets the standard policy. The host
// reads id, flags, version and build hash through the policy_info export (docs/policies.md).

export const POLICY_STANDARD: i32 = 0;
export const POLICY_STRICT: i32 = 1;
export const POLICY_AUDIT: i32 = 2;

// @ts-ignore: KSEAL_POLICY is a compile-time constant defined by asc --use
export const POLICY_ID: i32 = isDefined(KSEAL_POLICY) ? KSEAL_POLICY : POLICY_STANDARD;
// @ts-ignore: KSEAL_BUILD_HASH is a compile-time constant defined by asc --use (u32 of the
// sources' sha256); 0 when built without build/build.mjs
export const BUILD_HASH: u32 = isDefined(KSEAL_BUILD_HASH) ? <u32>KSEAL_BUILD_HASH : 0;

/** Version of the policy's rules: bumped whenever a policy's behaviour changes. */
export const POLICY_VERSION: u32 = 1;

/** Decisions the host must enforce itself, as bits of policy_info's flags. */
/** Produce to a topic without a KEK is refused (the module never sees topic names). */
export const FLAG_REQUIRE_KEK: u32 = 1;
/** Fetched records of an encrypted topic without the encryption header are failed with
 * REC_PLAINTEXT_REFUSED; the host must run decrypt_batch on every batch of such a topic. */
export const FLAG_REFUSE_PLAINTEXT: u32 = 2;
/** The module counts its decisions; policy_counters reports them. */
export const FLAG_COUNTS: u32 = 4;

export const POLICY_FLAGS: u32 =
  POLICY_ID == POLICY_STRICT ? FLAG_REQUIRE_KEK | FLAG_REFUSE_PLAINTEXT :
  POLICY_ID == POLICY_AUDIT ? FLAG_COUNTS : 0;

export const IS_STRICT: bool = POLICY_ID == POLICY_STRICT;
export const IS_AUDIT: bool = POLICY_ID == POLICY_AUDIT;

/** The policy name as ASCII, static in memory. */
export function policyName(): string {
  return POLICY_ID == POLICY_STRICT ? "strict" : POLICY_ID == POLICY_AUDIT ? "audit" : "standard";
}
