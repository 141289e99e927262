import t from "tap";
import { isKsealError } from "../../../host/errors.js";
import { ManualClock } from "../../../host/keys/clock.js";
import { EdekCache, type EdekCacheOptions } from "../../../host/keys/edek-cache.js";
import { FakeKms, flush } from "./fake-kms.js";

const isZero = (b: Buffer) => b.every((x) => x === 0);

async function setup(opts: Partial<EdekCacheOptions> = {}, edekCount = 5) {
  const kms = new FakeKms();
  const clock = new ManualClock(0);
  const cache = new EdekCache({ kms, clock, sweepIntervalMs: 0, ...opts });
  const pairs = [];
  for (let i = 0; i < edekCount; i++) pairs.push(await kms.generateDek("kek"));
  kms.calls.generate = 0;
  return { kms, clock, cache, pairs };
}

t.test("a hit costs no KMS call and returns the KMS's DEK", async (t) => {
  const { kms, cache, pairs } = await setup();
  const a = await cache.resolve(pairs[0]!.edek);
  t.ok(a.dek.equals(pairs[0]!.dek));
  const b = await cache.resolve(Buffer.from(pairs[0]!.edek)); // equal bytes, other Buffer
  t.ok(b.dek === a.dek, "cached");
  t.equal(kms.calls.decrypt, 1);
  t.same(cache.stats(), { hits: 1, misses: 1, kmsCalls: 1, evictions: 0 });
  a.release(); b.release();
});

t.test("concurrent lookups of one EDEK share one KMS call", async (t) => {
  const { kms, cache, pairs } = await setup();
  kms.hold();
  const refs = Array.from({ length: 10 }, () => cache.resolve(pairs[1]!.edek));
  await flush();
  t.equal(kms.waiting, 1);
  kms.release();
  const got = await Promise.all(refs);
  t.equal(kms.calls.decrypt, 1);
  t.ok(got.every((r) => r.dek.equals(pairs[1]!.dek)));
  for (const r of got) r.release();
});

t.test("bounded by entry count, least recently used evicted first", async (t) => {
  const { kms, cache, pairs } = await setup({ maxEntries: 3 });
  for (const i of [0, 1, 2]) (await cache.resolve(pairs[i]!.edek)).release();
  (await cache.resolve(pairs[0]!.edek)).release(); // 0 is now most recent; 1 is least
  t.equal(kms.calls.decrypt, 3);
  (await cache.resolve(pairs[3]!.edek)).release();
  t.equal(cache.size, 3);
  t.equal(cache.stats().evictions, 1);
  (await cache.resolve(pairs[0]!.edek)).release();
  (await cache.resolve(pairs[2]!.edek)).release();
  t.equal(kms.calls.decrypt, 4, "0 and 2 still cached");
  (await cache.resolve(pairs[1]!.edek)).release();
  t.equal(kms.calls.decrypt, 5, "1 was evicted");
});

t.test("entries expire after the TTL", async (t) => {
  const { kms, clock, cache, pairs } = await setup({ ttlMs: 1000 });
  const a = await cache.resolve(pairs[0]!.edek);
  a.release();
  t.ok(isZero(a.dek) === false);
  clock.advance(999);
  (await cache.resolve(pairs[0]!.edek)).release();
  t.equal(kms.calls.decrypt, 1);
  clock.advance(1);
  t.ok(isZero(a.dek) === false, "not wiped before anything looks");
  cache.sweep();
  t.ok(isZero(a.dek), "expired entry wiped by the sweep");
  t.equal(cache.size, 0);
  const b = await cache.resolve(pairs[0]!.edek);
  t.equal(kms.calls.decrypt, 2, "fetched again");
  t.ok(b.dek.equals(pairs[0]!.dek));
  b.release();
});

t.test("an evicted DEK is wiped only after its last holder releases it", async (t) => {
  const { cache, pairs } = await setup({ maxEntries: 1 });
  const a = await cache.resolve(pairs[0]!.edek);
  (await cache.resolve(pairs[1]!.edek)).release();
  t.notOk(isZero(a.dek), "evicted but held");
  t.ok(a.dek.equals(pairs[0]!.dek));
  a.release();
  t.ok(isZero(a.dek));
});

t.test("waiters of one KMS call all get a usable DEK even if it is evicted at once", async (t) => {
  const { kms, cache, pairs } = await setup({ maxEntries: 1 });
  kms.hold();
  const waiting = [cache.resolve(pairs[0]!.edek), cache.resolve(pairs[0]!.edek)];
  const other = cache.resolve(pairs[1]!.edek);
  await flush();
  kms.release();
  const [a, b] = await Promise.all(waiting);
  const o = await other;
  t.equal(cache.size, 1);
  t.ok(a!.dek.equals(pairs[0]!.dek) && b!.dek.equals(pairs[0]!.dek), "not wiped under the waiters");
  a!.release(); b!.release(); o.release();
});

t.test("resolveMany fetches in parallel and keeps order", async (t) => {
  const { kms, cache, pairs } = await setup();
  (await cache.resolve(pairs[2]!.edek)).release();
  kms.hold();
  const p = cache.resolveMany([pairs[0]!.edek, pairs[1]!.edek, pairs[2]!.edek, pairs[0]!.edek]);
  await flush();
  t.equal(kms.waiting, 2, "both misses in flight at once, the duplicate shares a call");
  kms.release();
  const refs = await p;
  t.same(refs.map((r) => r.dek.toString("hex")), [0, 1, 2, 0].map((i) => pairs[i]!.dek.toString("hex")));
  for (const r of refs) r.release();
});

t.test("resolveMany is all or nothing and releases what it got", async (t) => {
  const { kms, cache, pairs } = await setup({ maxEntries: 10 });
  const unknown = Buffer.from("kek/edek-unknown");
  const err = await cache.resolveMany([pairs[0]!.edek, unknown, pairs[1]!.edek]).then(() => undefined, (e: unknown) => e);
  t.ok(isKsealError(err, "KMS_UNKNOWN_KEY"));
  t.equal(cache.size, 2, "the good ones are cached");
  const peek = await cache.resolve(pairs[0]!.edek);
  cache.close(); // drops every entry; wiped at once unless held
  t.notOk(isZero(peek.dek), "only our own reference holds it: the failed call released its");
  peek.release();
  t.ok(isZero(peek.dek));
  t.equal(kms.calls.decrypt, 3);
  await t.rejects(cache.resolve(pairs[0]!.edek), { code: "KEYS_CLOSED" });
});

t.test("failures are not cached", async (t) => {
  const { kms, cache, pairs } = await setup();
  kms.failWith = new Error("down");
  await t.rejects(cache.resolve(pairs[0]!.edek), { code: "KMS_UNAVAILABLE" });
  kms.failWith = undefined;
  const r = await cache.resolve(pairs[0]!.edek);
  t.ok(r.dek.equals(pairs[0]!.dek));
  t.equal(kms.calls.decrypt, 2);
  r.release();
});

t.test("a hung KMS decrypt times out", async (t) => {
  const { kms, cache, pairs } = await setup({ kmsTimeoutMs: 30 });
  kms.hold();
  await t.rejects(cache.resolve(pairs[0]!.edek), { code: "KMS_UNAVAILABLE" });
  kms.release();
});

t.test("insert primes the cache with a copy", async (t) => {
  const { kms, cache, pairs } = await setup();
  const dek = Buffer.from(pairs[3]!.dek);
  cache.insert(pairs[3]!.edek, dek);
  dek.fill(0);
  const r = await cache.resolve(pairs[3]!.edek);
  t.ok(r.dek.equals(pairs[3]!.dek));
  t.equal(kms.calls.decrypt, 0);
  r.release();
});

t.test("configuration is checked", async (t) => {
  const kms = new FakeKms();
  t.throws(() => new EdekCache({ kms, maxEntries: 0 }), { code: "CONFIG_INVALID" });
  t.throws(() => new EdekCache({ kms, ttlMs: 0 }), { code: "CONFIG_INVALID" });
  t.end();
});
