/**
 * Parses the resilience keys shared by the remote KMS providers (`encryption.kms`):
 *   retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2000, attemptTimeoutMs: 4000 }
 *   breaker: { failureThreshold: 5, openMs: 5000 }
 * Types only from the providers, so parsing a config does not load their SDKs.
 */
import { KsealError } from "../errors.js";
import type { AwsKmsConfig } from "./aws/aws-config.js";
import type { ResilienceOptions } from "./resilient-kms.js";
import type { VaultKmsOptions } from "./vault/vault-options.js";

export type RemoteKmsConfig =
  | { type: "vault"; vault: VaultKmsOptions; resilience: Partial<ResilienceOptions> }
  | { type: "aws"; aws: AwsKmsConfig; resilience: Partial<ResilienceOptions> };

const RETRY_KEYS = new Set(["maxAttempts", "baseDelayMs", "maxDelayMs", "attemptTimeoutMs"]);
const BREAKER_KEYS = new Set(["failureThreshold", "openMs"]);

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new KsealError("CONFIG_INVALID", `encryption.kms.${field} must be an integer from ${min} to ${max}`);
  }
  return v;
}

function section(v: unknown, field: string, keys: Set<string>): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new KsealError("CONFIG_INVALID", `encryption.kms.${field} must be a mapping`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!keys.has(k)) throw new KsealError("CONFIG_INVALID", `encryption.kms.${field}.${k} is not a known key`);
  return o;
}

export const RESILIENCE_KEYS = ["retry", "breaker"] as const;

export function parseResilience(k: Record<string, unknown>): Partial<ResilienceOptions> {
  const r: Partial<ResilienceOptions> = {};
  if (k.retry !== undefined) {
    const o = section(k.retry, "retry", RETRY_KEYS);
    if (o.maxAttempts !== undefined) r.maxAttempts = int(o.maxAttempts, "retry.maxAttempts", 1, 20);
    if (o.baseDelayMs !== undefined) r.baseDelayMs = int(o.baseDelayMs, "retry.baseDelayMs", 1, 60_000);
    if (o.maxDelayMs !== undefined) r.maxDelayMs = int(o.maxDelayMs, "retry.maxDelayMs", 1, 600_000);
    if (o.attemptTimeoutMs !== undefined) r.attemptTimeoutMs = int(o.attemptTimeoutMs, "retry.attemptTimeoutMs", 1, 600_000);
  }
  if (k.breaker !== undefined) {
    const o = section(k.breaker, "breaker", BREAKER_KEYS);
    if (o.failureThreshold !== undefined) r.failureThreshold = int(o.failureThreshold, "breaker.failureThreshold", 1, 1000);
    if (o.openMs !== undefined) r.openMs = int(o.openMs, "breaker.openMs", 1, 3_600_000);
  }
  return r;
}

