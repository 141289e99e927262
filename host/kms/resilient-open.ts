/**
 * Opens the remote KMS the config names (Vault Transit or AWS KMS) behind ResilientKms. The retry
 * budget is kms.timeoutMs minus a margin, so retries end before the caller's deadline.
 */
import { AwsKms } from "./aws/aws-kms.js";
import { awsKmsOptions } from "./aws/aws-config.js";
import { ResilientKms, DEFAULT_RESILIENCE, type ResilienceOptions } from "./resilient-kms.js";
import { VaultKms } from "./vault/vault-kms.js";
import type { RemoteKmsConfig } from "./resilient-config.js";

/** Resilience for a caller whose deadline is `timeoutMs`: retries stop a little before it. */
export function resilienceFor(timeoutMs: number, r: Partial<ResilienceOptions>): Partial<ResilienceOptions> {
  const budgetMs = Math.max(1, timeoutMs - Math.min(500, Math.floor(timeoutMs / 10)));
  return { ...r, budgetMs, attemptTimeoutMs: Math.min(r.attemptTimeoutMs ?? DEFAULT_RESILIENCE.attemptTimeoutMs, budgetMs) };
}

export function openRemoteKms(c: RemoteKmsConfig, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): ResilientKms {
  const resilience = resilienceFor(timeoutMs, c.resilience);
  const inner = c.type === "vault"
    ? new VaultKms({ ...c.vault, env, requestTimeoutMs: resilience.attemptTimeoutMs })
    : new AwsKms({ ...awsKmsOptions(c.aws, env), requestTimeoutMs: resilience.attemptTimeoutMs });
  return new ResilientKms(inner, resilience);
}
