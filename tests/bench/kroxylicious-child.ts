// The benchmark's `kroxylicious` mode: Kroxylicious (tests/rig/kroxylicious.ts) encrypting every
// topic under one Vault KEK, so its cost is measured on the same machine and in the same rounds
// as kseal's instead of quoted from other hardware. The Vault dev server lives and dies with it.

import { startKroxylicious } from "../rig/kroxylicious.js";
import { startVault } from "../rig/openbao.js";
import type { MeasuredProxy } from "./kseal-child.js";

/** One KEK for every topic: the benchmark makes fresh topics per run, and the KMS is called once per DEK either way. */
const KEK = "kseal-bench";

export async function startKroxyliciousChild(target: string): Promise<MeasuredProxy> {
  const vault = await startVault();
  try {
    await vault.createKey(KEK);
    const k = await startKroxylicious({ target, kms: { vault: { url: vault.url, token: vault.rootToken } }, kekTemplate: KEK });
    return { ...k, stop: async () => { await k.stop(); await vault.stop(); } };
  } catch (e) {
    await vault.stop();
    throw e;
  }
}
