// The sandbox pool against the real policy builds: encrypt/decrypt through worker threads match
// the on-broker format (values opened with node:crypto), a hung call is stopped by the watchdog
// and fails closed with a retriable error while other calls keep working, a dead worker is
// replaced, and a hot swap lets in-flight calls finish on the old module.
import t from "tap";
import { randomBytes } from "node:crypto";
import { WorkerPool } from "../../../host/sandbox/worker-pool.js";
import { parseBatch } from "../wasm/support/kafka-batch.js";
import { ENCRYPTION_HEADER, openWrapper } from "../wasm/support/record-format.js";
import { policyBuild, plainRecords } from "./support.js";

const DEK = randomBytes(32);
const EDEK = randomBytes(78);
const key = (budget = 1000) => ({ dek: Buffer.from(DEK), edek: EDEK, budget });

t.test("encrypt and decrypt through the pool; values open with node:crypto", async (t) => {
  const pool = await WorkerPool.start(policyBuild("standard"), { size: 2 });
  t.teardown(() => pool.close());
  const input = plainRecords(3);
  const [enc] = await pool.encryptRecords([input], key());
  t.not(enc!.equals(input), true, "records changed");
  let first = enc!;
  let opened = 0;
  while (first.length > 0) {
    const len = first.readInt32BE(8) + 12;
    const b = parseBatch(first.subarray(0, len));
    for (const r of b.records) {
      if (r.value === null) continue;
      t.equal(r.headers[0]?.key, ENCRYPTION_HEADER);
      openWrapper(DEK, r.value); // throws unless the tag verifies under the DEK
      opened++;
    }
    first = first.subarray(len);
  }
  t.equal(opened, 15, "5 non-tombstone records per batch, 3 batches");
  const edeks = await pool.listRecordsEdeks(enc!);
  t.equal(edeks.length, 1);
  t.ok(edeks[0]!.equals(EDEK));
  const dec = await pool.decryptRecords(enc!, [{ dek: DEK, edek: EDEK }]);
  t.same(dec.failures, []);
  t.ok(dec.records!.equals(input), "byte-identical after the round trip");
  const wrong = await pool.decryptRecords(enc!, [{ dek: randomBytes(32), edek: EDEK }]);
  t.equal(wrong.records, null, "wrong key: nothing released");
  t.ok(wrong.failures.every((f) => f.reason === "TAG_MISMATCH"));
  t.equal(await pool.liveBytes(), 0, "no leak in the worker that ran the call");
});

t.test("watchdog: a hung call fails closed, retriable; the worker is replaced", async (t) => {
  const pool = await WorkerPool.start(policyBuild("standard"), { size: 2, callTimeoutMs: 300 });
  t.teardown(() => pool.close());
  const started = Date.now();
  const hung = pool.spin(60_000).then(() => null, (e: { code: string; retriable: boolean }) => e);
  const others = await Promise.all(Array.from({ length: 10 }, () => pool.encryptRecords([plainRecords()], key())));
  t.equal(others.length, 10, "other calls served meanwhile");
  const err = await hung;
  t.equal(err?.code, "WASM_TIMEOUT");
  t.equal(err?.retriable, true);
  t.ok(Date.now() - started < 5000, "stopped near the limit");
  t.equal(pool.getStats().timeouts, 1);
  t.equal(pool.getStats().workersReplaced, 1);
  const again = await Promise.all([1, 2, 3, 4].map(() => pool.crc32c(Buffer.from("123456789"))));
  t.same(again, [0xe3069283, 0xe3069283, 0xe3069283, 0xe3069283], "replaced worker serves (CRC-32C check value)");
});

t.test("hot swap: calls after setModule run on the new module", async (t) => {
  const pool = await WorkerPool.start(policyBuild("standard"), { size: 2 });
  t.teardown(() => pool.close());
  const input = plainRecords();
  const [enc] = await pool.encryptRecords([input], key());
  const plain = await pool.decryptRecords(input, []);
  t.ok(plain.records!.equals(input), "standard passes plaintext records of a fetch");
  await pool.setModule(policyBuild("strict"));
  const refused = await pool.decryptRecords(input, []);
  t.equal(refused.records, null, "strict refuses plaintext records");
  t.ok(refused.failures.length > 0 && refused.failures.every((f) => f.reason === "PLAINTEXT_REFUSED"));
  const ok = await pool.decryptRecords(enc!, [{ dek: DEK, edek: EDEK }]);
  t.ok(ok.records!.equals(input), "strict still decrypts");
  t.equal(pool.moduleVersion, 2);
});
