/**
 * The key path end to end with real parts: the local KMS (a key file), the DEK manager's leases
 * loaded into the WASM filter, and the EDEK cache of a second KMS instance (as another proxy
 * process would) recovering the DEK. Records are opened by the independent test codecs with
 * node:crypto, never by kseal's reader.
 */
import { join } from "node:path";
import t from "tap";
import { EdekCache } from "../../../host/keys/edek-cache.js";
import { DekManager } from "../../../host/keys/dek-manager.js";
import { LocalKms } from "../../../host/kms/local/local-kms.js";
import { KsealFilter } from "../../../host/wasm/filter.js";
import { buildBatch, parseBatch, type TestRecord } from "../wasm/support/kafka-batch.js";
import { openWrapper } from "../wasm/support/record-format.js";
import { tempDir } from "../kms/helpers.js";

const records = (n: number, tag: string): TestRecord[] =>
  Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`${tag}-${i}`) }));

t.test("leased DEKs encrypt through the filter; another process's EDEK cache opens the records", async (t) => {
  const path = join(tempDir(t), "local-kms.json");
  const producerKms = await LocalKms.open({ path });
  const mgr = new DekManager({ kms: producerKms, sweepIntervalMs: 0, maxRecords: 12 });
  const filter = await KsealFilter.load();
  t.teardown(async () => { mgr.close(); await producerKms.close(); });

  // Three batches of 5 under a 12-record budget: the third needs a second DEK.
  const batches: Buffer[] = [];
  const leases = [];
  for (const tag of ["a", "b", "c"]) {
    const lease = await mgr.lease("KEK-orders", 5);
    filter.loadKey(0, lease.dek, lease.edek, { budget: lease.records, ivSeed: lease.ivSeed });
    const recs = records(5, tag);
    batches.push(filter.encryptBatch(buildBatch({ lastOffsetDelta: 4, records: recs }), 0));
    filter.releaseKey(0);
    leases.push({ edek: lease.edek, ivSeed: lease.ivSeed });
    lease.release();
  }
  t.ok(leases[0]!.edek.equals(leases[1]!.edek), "batches a and b share a DEK");
  t.notOk(leases[2]!.edek.equals(leases[0]!.edek), "batch c rotated: budget 12 < 15");

  const consumerKms = await LocalKms.open({ path, autoCreate: false });
  const cache = new EdekCache({ kms: consumerKms });
  t.teardown(async () => { cache.close(); await consumerKms.close(); });

  const seenIvs = new Set<string>();
  for (const [b, batch] of batches.entries()) {
    const parsed = parseBatch(batch);
    t.ok(parsed.crcOk);
    for (const [i, r] of parsed.records.entries()) {
      const value = r.value!;
      // wrapper: cipher id, uvarint EDEK length (78 = one byte), EDEK, AAD id, IV, ct||tag
      t.equal(value[1], 78);
      const edek = value.subarray(2, 80);
      t.ok(edek.equals(leases[b]!.edek), "record carries the lease's EDEK");
      const ref = await cache.resolve(edek);
      const opened = openWrapper(ref.dek, value);
      ref.release();
      const expectedIv = BigInt("0x" + leases[b]!.ivSeed.toString("hex")) + BigInt(i);
      t.equal(opened.iv.toString("hex"), expectedIv.toString(16).padStart(24, "0"), "IV = lease seed + record index");
      seenIvs.add(`${edek.toString("hex")}/${opened.iv.toString("hex")}`);
      t.equal(opened.parcel.subarray(1, opened.parcel.length - 1).toString(), `${"abc"[b]}-${i}`);
    }
  }
  t.equal(seenIvs.size, 15, "no IV repeats under a DEK");
  t.same(cache.stats().kmsCalls, 2, "one KMS unwrap per distinct EDEK");
});
