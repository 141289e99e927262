import t from "tap";
import { isKsealError } from "../../../host/errors.js";
import { ManualClock } from "../../../host/keys/clock.js";
import { DekManager, type DekManagerOptions } from "../../../host/keys/dek-manager.js";
import { FakeKms, flush } from "./fake-kms.js";

const HOUR = 3_600_000;

function setup(opts: Partial<DekManagerOptions> = {}) {
  const kms = new FakeKms();
  const clock = new ManualClock(1_000);
  const mgr = new DekManager({ kms, clock, sweepIntervalMs: 0, prefetchAtFraction: 1, ...opts });
  t.teardown(() => mgr.close());
  return { kms, clock, mgr };
}

const seedValue = (b: Buffer) => BigInt("0x" + b.toString("hex"));
const isZero = (b: Buffer) => b.every((x) => x === 0);

t.test("leases share one DEK and reserve consecutive IV ranges", async (t) => {
  const { kms, mgr } = setup();
  const a = await mgr.lease("orders", 10);
  const b = await mgr.lease("orders", 5);
  t.equal(a.dek.length, 32);
  t.ok(a.edek.equals(b.edek), "same DEK for both batches");
  t.ok(a.dek === b.dek);
  t.equal(a.ivSeed.length, 12);
  t.equal(seedValue(b.ivSeed) - seedValue(a.ivSeed), 10n, "second range starts where the first ends");
  t.equal(a.records, 10);
  t.equal(a.kekId, "kek-orders");
  t.same(kms.calls, { resolve: 1, generate: 1, decrypt: 0 });
  t.equal(mgr.snapshot("orders").current?.used, 15);
  const c = await mgr.lease("payments", 1);
  t.notOk(c.edek.equals(a.edek), "another alias, another DEK");
  a.release(); b.release(); c.release();
});

t.test("IV ranges of many leases never overlap and stay below 2^96", async (t) => {
  const { mgr } = setup({ maxRecords: 1000 });
  const ranges: Array<[bigint, bigint, string]> = [];
  for (let i = 0; i < 300; i++) {
    const n = 1 + Math.floor(Math.random() * 40);
    const l = await mgr.lease("x", n);
    const s = seedValue(l.ivSeed);
    ranges.push([s, s + BigInt(n), l.edek.toString("latin1")]);
    t.ok(s + BigInt(n) <= (1n << 96n) - 1n || t.fail("counter would wrap"));
    l.release();
  }
  let overlaps = 0;
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const [a0, a1, ea] = ranges[i]!;
      const [b0, b1, eb] = ranges[j]!;
      if (ea === eb && a0 < b1 && b0 < a1) overlaps++;
    }
  }
  t.equal(overlaps, 0);
  t.end();
});

t.test("budget exhaustion rotates to a new DEK", async (t) => {
  const { kms, mgr } = setup({ maxRecords: 10 });
  const a = await mgr.lease("k", 6);
  const b = await mgr.lease("k", 4);
  t.ok(a.edek.equals(b.edek), "10 records fit one DEK");
  const c = await mgr.lease("k", 1);
  t.notOk(c.edek.equals(a.edek), "the 11th record needs a new DEK");
  t.equal(kms.calls.generate, 2);
  const d = await mgr.lease("k", 7);
  const e = await mgr.lease("k", 3);
  t.ok(d.edek.equals(c.edek) && !e.edek.equals(c.edek), "a batch that does not fit the remaining budget gets a new DEK");
  t.equal(kms.calls.generate, 3);
  for (const l of [a, b, c, d, e]) l.release();
});

t.test("a lease larger than a DEK's whole budget is refused", async (t) => {
  const { kms, mgr } = setup({ maxRecords: 10 });
  await t.rejects(mgr.lease("k", 11), { code: "KEYS_LEASE_TOO_LARGE" });
  await t.rejects(mgr.lease("k", 0), RangeError);
  t.equal(kms.calls.generate, 0);
});

t.test("the successor is prefetched near budget exhaustion and takes over without a KMS wait", async (t) => {
  const { kms, mgr } = setup({ maxRecords: 10, prefetchAtFraction: 0.5 });
  const a = await mgr.lease("k", 5);
  await flush();
  t.ok(mgr.snapshot("k").next, "next DEK fetched in the background");
  t.equal(kms.calls.generate, 2);
  kms.hold(); // from now on a KMS call would hang
  const b = await mgr.lease("k", 5);
  t.ok(b.edek.equals(a.edek), "current DEK serves its whole budget");
  const c = await mgr.lease("k", 1);
  t.notOk(c.edek.equals(a.edek), "prefetched DEK took over");
  t.equal(kms.calls.generate, 2, "no KMS call on the swap");
  t.ok(isZero(a.dek) === false, "old DEK still held by its leases");
  a.release();
  b.release();
  t.ok(isZero(a.dek), "old DEK wiped after its last lease");
  kms.release();
  c.release();
});

t.test("refresh happens in the background at the refresh time; leases do not wait", async (t) => {
  const { kms, clock, mgr } = setup();
  const a = await mgr.lease("k", 1);
  a.release();
  clock.advance(HOUR);
  kms.hold();
  const b = await mgr.lease("k", 1); // would hang if it waited on the KMS
  t.ok(b.edek.equals(a.edek), "the aged DEK keeps serving");
  t.ok(mgr.snapshot("k").pending, "refresh started");
  const c = await mgr.lease("k", 1);
  t.ok(c.edek.equals(a.edek));
  t.equal(kms.calls.resolve, 2, "one refresh call however many leases");
  kms.release();
  await flush();
  const d = await mgr.lease("k", 1);
  t.notOk(d.edek.equals(a.edek), "new DEK after the refresh");
  t.notOk(isZero(b.dek), "retired DEK not wiped while leased");
  b.release();
  c.release();
  t.ok(isZero(b.dek), "retired DEK wiped at the last release");
  d.release();
});

t.test("a DEK is never used past its hard expiry", async (t) => {
  const { kms, clock, mgr } = setup();
  const a = await mgr.lease("k", 1);
  a.release();
  kms.failWith = new Error("connection refused");
  clock.advance(HOUR + 1);
  const b = await mgr.lease("k", 1);
  t.ok(b.edek.equals(a.edek), "past refresh, KMS down: keep serving");
  b.release();
  clock.advance(HOUR);
  const err = await mgr.lease("k", 1).then(() => undefined, (e: unknown) => e);
  t.ok(isKsealError(err, "KMS_UNAVAILABLE"), "past expiry, KMS down: retriable error");
  t.equal((err as { retriable: boolean }).retriable, true);
  t.ok(isZero(a.dek), "expired DEK wiped");
  kms.failWith = undefined;
  const c = await mgr.lease("k", 1);
  t.notOk(c.edek.equals(a.edek), "KMS back: fresh DEK");
  c.release();
});

t.test("a failed background refresh keeps the current DEK and backs off", async (t) => {
  const { kms, clock, mgr } = setup({ refreshRetryMs: 10_000 });
  (await mgr.lease("k", 1)).release();
  kms.failWith = new Error("503");
  clock.advance(HOUR);
  (await mgr.lease("k", 1)).release();
  await flush();
  t.equal(kms.calls.resolve, 2);
  t.equal(mgr.stats().failures, 1);
  for (let i = 0; i < 5; i++) (await mgr.lease("k", 1)).release();
  await flush();
  t.equal(kms.calls.resolve, 2, "no retry within the back-off");
  clock.advance(10_000);
  kms.failWith = undefined;
  const l = await mgr.lease("k", 1);
  await flush();
  t.equal(kms.calls.resolve, 3, "retried after the back-off");
  const m = await mgr.lease("k", 1);
  t.notOk(m.edek.equals(l.edek), "refreshed");
  l.release(); m.release();
});

t.test("with no DEK, a KMS failure is a retriable error", async (t) => {
  const { kms, mgr } = setup();
  kms.failWith = new Error("ECONNREFUSED");
  const err = await mgr.lease("k", 1).then(() => undefined, (e: unknown) => e);
  t.ok(isKsealError(err, "KMS_UNAVAILABLE"));
  t.equal((err as { retriable: boolean }).retriable, true);
  t.equal(((err as Error).cause as Error).message, "ECONNREFUSED", "cause kept");
});

t.test("a KMS that does not answer times out as unavailable; a late DEK is wiped", async (t) => {
  const { kms, mgr } = setup({ kmsTimeoutMs: 30 });
  kms.hold();
  await t.rejects(mgr.lease("k", 1), { code: "KMS_UNAVAILABLE" });
  kms.release(); // resolveAlias answers late: nothing follows it
  kms.hold("generate");
  await t.rejects(mgr.lease("k", 1), { code: "KMS_UNAVAILABLE", message: /generateDek/ });
  kms.release();
  await flush();
  t.equal(kms.returned.length, 1);
  t.ok(isZero(kms.returned[0]!), "the DEK that came after the deadline was wiped");
});

t.test("concurrent leases for one alias share one KMS call", async (t) => {
  const { kms, mgr } = setup();
  kms.hold();
  const pending = Array.from({ length: 20 }, () => mgr.lease("k", 3));
  await flush();
  t.equal(kms.waiting, 1, "one KMS call in flight");
  kms.release();
  const leases = await Promise.all(pending);
  t.same(kms.calls, { resolve: 1, generate: 1, decrypt: 0 });
  t.equal(new Set(leases.map((l) => l.edek.toString("latin1"))).size, 1);
  t.equal(new Set(leases.map((l) => l.ivSeed.toString("hex"))).size, 20, "distinct IV ranges");
  for (const l of leases) l.release();
});

t.test("waiters a new DEK cannot all serve get another one", async (t) => {
  const { kms, mgr } = setup({ maxRecords: 10 });
  kms.hold();
  const pending = [mgr.lease("k", 6), mgr.lease("k", 6), mgr.lease("k", 6)];
  await flush();
  kms.release();
  const leases = await Promise.all(pending);
  t.equal(new Set(leases.map((l) => l.edek.toString("latin1"))).size, 3);
  t.equal(kms.calls.generate, 3);
  for (const l of leases) l.release();
});

t.test("an unknown alias fails for good and is not asked again for a while", async (t) => {
  const { kms, clock, mgr } = setup({ unknownAliasRetryMs: 30_000 });
  kms.unknownAliases.add("nope");
  const err = await mgr.lease("nope", 1).then(() => undefined, (e: unknown) => e);
  t.ok(isKsealError(err, "KMS_UNKNOWN_ALIAS"));
  t.equal((err as { retriable: boolean }).retriable, false);
  await t.rejects(mgr.lease("nope", 1), { code: "KMS_UNKNOWN_ALIAS" });
  t.equal(kms.calls.resolve, 1, "negative result cached");
  clock.advance(30_000);
  kms.unknownAliases.delete("nope");
  const l = await mgr.lease("nope", 1);
  t.equal(kms.calls.resolve, 2);
  l.release();
});

t.test("sweep wipes expired DEKs nobody asks for; close wipes the rest", async (t) => {
  const { clock, mgr } = setup();
  const a = await mgr.lease("a", 1);
  const b = await mgr.lease("b", 1);
  a.release();
  clock.advance(2 * HOUR);
  mgr.sweep();
  t.ok(isZero(a.dek), "idle expired DEK wiped by the sweep");
  t.notOk(isZero(b.dek), "leased DEK kept until release");
  b.release();
  t.ok(isZero(b.dek));
  clock.advance(1);
  const c = await mgr.lease("c", 1);
  mgr.close();
  t.notOk(isZero(c.dek));
  c.release();
  t.ok(isZero(c.dek), "close retires every DEK");
  await t.rejects(mgr.lease("c", 1), { code: "KEYS_CLOSED" });
});

t.test("releasing a lease twice is harmless", async (t) => {
  const { mgr } = setup({ maxRecords: 2 });
  const a = await mgr.lease("k", 1);
  const b = await mgr.lease("k", 1);
  a.release();
  a.release();
  const c = await mgr.lease("k", 1); // rotates; a and b's DEK retired but b holds it
  t.notOk(isZero(b.dek), "double release did not drop b's hold");
  b.release();
  t.ok(isZero(b.dek));
  c.release();
});

t.test("new DEKs are reported to onNewDek (to prime the EDEK cache)", async (t) => {
  const seen: Array<[string, string]> = [];
  const { mgr } = setup({ onNewDek: (edek, dek) => seen.push([edek.toString("latin1"), dek.toString("hex")]) });
  const l = await mgr.lease("k", 1);
  t.same(seen, [[l.edek.toString("latin1"), l.dek.toString("hex")]]);
  l.release();
});

t.test("configuration is checked", async (t) => {
  const kms = new FakeKms();
  t.throws(() => new DekManager({ kms, maxRecords: 0, sweepIntervalMs: 0 }), { code: "CONFIG_INVALID" });
  t.throws(() => new DekManager({ kms, refreshMs: 10, expireMs: 5, sweepIntervalMs: 0 }), { code: "CONFIG_INVALID" });
  t.end();
});

t.test("the oldest DEK's age tracks the longest-serving current DEK", async (t) => {
  const { clock, mgr } = setup();
  t.equal(mgr.oldestDekAgeMs(), 0, "no DEK yet");
  (await mgr.lease("orders", 1)).release();
  clock.advance(60_000);
  (await mgr.lease("payments", 1)).release();
  clock.advance(1_000);
  t.equal(mgr.oldestDekAgeMs(), 61_000, "the orders DEK is the oldest");
});
