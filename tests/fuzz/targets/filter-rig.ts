// The real encryption filter (host/filters/encryption-filter.ts) with the embedded local KMS on a
// key file in a temporary directory, the real DEK manager and EDEK cache, and the standard WASM
// module: what the proxy runs, minus the sockets.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { createEncryptionFilter, type EncryptionFilter } from "../../../host/filters/encryption-filter.js";
import { KekSelector } from "../../../host/filters/kek-selector.js";
import { DekManager } from "../../../host/keys/dek-manager.js";
import { EdekCache } from "../../../host/keys/edek-cache.js";
import { LocalKms } from "../../../host/kms/local/local-kms.js";
import type { FilterContext } from "../../../host/proxy/filter.js";
import { NodePorts } from "../../../host/proxy/node-ports.js";
import { TopicMap } from "../../../host/proxy/topic-map.js";
import { KsealFilter } from "../../../host/wasm/filter.js";

export const SECRET_TOPIC = "fuzz-secret";

export interface FilterRig {
  filter: EncryptionFilter;
  ctx(apiKey: number, apiVersion: number): FilterContext;
  close(): Promise<void>;
}

let rig: Promise<FilterRig> | undefined;

export function filterRig(): Promise<FilterRig> {
  rig ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "kseal-fuzz-"));
    const kms = await LocalKms.open({ path: join(dir, "keys.json"), autoCreate: true });
    const wasm = await KsealFilter.load();
    const edeks = new EdekCache({ kms, kmsTimeoutMs: 5000, sweepIntervalMs: 0 });
    const deks = new DekManager({ kms, kmsTimeoutMs: 5000, sweepIntervalMs: 0, onNewDek: (e, d) => edeks.insert(e, d) });
    const filter = createEncryptionFilter({
      wasm, deks, edeks,
      selector: new KekSelector("KEK-$(topicName)", []),
      unresolvedKeyPolicy: "reject",
      logger: pino({ level: "silent" }),
    });
    const proxy = { topics: new TopicMap(), nodes: new NodePorts("ephemeral", 0, async () => 0), advertisedHost: "127.0.0.1" };
    let corr = 1;
    return {
      filter,
      ctx: (apiKey, apiVersion) => ({ proxy, connectionId: 1, nodeId: 1, header: { apiKey, apiVersion, correlationId: corr++, clientId: "fuzz" } }),
      async close() {
        deks.close();
        edeks.close();
        await kms.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  })();
  return rig;
}
