// Entry of every policy build: the ABI v1 exports plus the policy exports. Which policy is
// compiled in is chosen by the asconfig target (use: KSEAL_POLICY=<id>).
export * from "../index";
export { policy_info, policy_counters } from "./exports";
