import t from "tap";
import { KsealError, isKsealError } from "../../../host/errors.js";
import type { DekPair, Kms } from "../../../host/kms/kms.js";
import { ResilientKms } from "../../../host/kms/resilient-kms.js";
import { parseResilience } from "../../../host/kms/resilient-config.js";

/** A KMS whose every call runs the next scripted behaviour (or the last one, repeated). */
class ScriptedKms implements Kms {
  readonly name = "fake";
  calls = 0;
  handed: Buffer[] = [];
  constructor(private readonly script: Array<() => Promise<void>>) {}
  private async step(): Promise<void> {
    const s = this.script[Math.min(this.calls, this.script.length - 1)]!;
    this.calls++;
    await s();
  }
  async resolveAlias(alias: string): Promise<string> {
    await this.step();
    return `id-${alias}`;
  }
  async generateDek(): Promise<DekPair> {
    await this.step();
    const dek = Buffer.alloc(32, 7);
    this.handed.push(dek);
    return { dek, edek: Buffer.from("edek") };
  }
  async decryptEdek(): Promise<Buffer> {
    await this.step();
    const dek = Buffer.alloc(32, 9);
    this.handed.push(dek);
    return dek;
  }
  async close(): Promise<void> {}
}

const ok = async () => {};
const down = async () => { throw new KsealError("KMS_UNAVAILABLE", "connection refused"); };
const notFound = async () => { throw new KsealError("KMS_UNKNOWN_ALIAS", "no such alias"); };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const fast = { baseDelayMs: 1, maxDelayMs: 5, attemptTimeoutMs: 200, budgetMs: 2000 };

t.test("retriable failures are retried, then succeed", async (t) => {
  const inner = new ScriptedKms([down, down, ok]);
  const kms = new ResilientKms(inner, { ...fast, maxAttempts: 4 });
  t.equal(await kms.resolveAlias("a"), "id-a");
  t.equal(inner.calls, 3);
  const m = kms.metrics.snapshot().resolveAlias;
  t.equal(m.calls, 1);
  t.equal(m.attempts, 3);
  t.equal(m.retries, 2);
  t.same(m.outcomes, { success: 1, not_found: 0, unavailable: 2, error: 0, rejected: 0 });
  t.equal(m.latency.count, 3);
});

t.test("not-found and other final errors are not retried and do not trip the breaker", async (t) => {
  const inner = new ScriptedKms([notFound]);
  const kms = new ResilientKms(inner, { ...fast, maxAttempts: 5, failureThreshold: 1 });
  for (let i = 0; i < 3; i++) {
    const e = await kms.resolveAlias("x").then(() => undefined, (x: unknown) => x);
    t.ok(isKsealError(e, "KMS_UNKNOWN_ALIAS"));
  }
  t.equal(inner.calls, 3, "one attempt per call");
  t.equal(kms.breaker, "closed");
  t.equal(kms.metrics.snapshot().resolveAlias.outcomes.not_found, 3);
});

t.test("gives up after maxAttempts with the last error", async (t) => {
  const inner = new ScriptedKms([down]);
  const kms = new ResilientKms(inner, { ...fast, maxAttempts: 3, failureThreshold: 100 });
  const e = await kms.generateDek("k").then(() => undefined, (x: unknown) => x);
  t.ok(isKsealError(e, "KMS_UNAVAILABLE"));
  t.equal((e as KsealError).retriable, true);
  t.equal(inner.calls, 3);
});

t.test("backoff is exponential with full jitter, capped", async (t) => {
  const delays: number[] = [];
  const realSetTimeout = globalThis.setTimeout;
  t.teardown(() => { globalThis.setTimeout = realSetTimeout; });
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    if (ms !== undefined && ms >= 1 && ms < 10_000 && ms !== 200) delays.push(ms);
    return realSetTimeout(fn, 0);
  }) as typeof setTimeout;
  const inner = new ScriptedKms([down]);
  const kms = new ResilientKms(inner, { attemptTimeoutMs: 200, budgetMs: 60_000, maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1000, failureThreshold: 100, random: () => 0.999 });
  await kms.resolveAlias("a").catch(() => undefined);
  t.same(delays.map((d) => Math.round(d)), [100, 200, 400, 799, 999], "random * min(max, base * 2^n)");
});

t.test("a slow attempt times out; its late DEK is wiped", async (t) => {
  const inner = new ScriptedKms([() => sleep(300), ok]);
  const kms = new ResilientKms(inner, { ...fast, attemptTimeoutMs: 50, maxAttempts: 2 });
  const p = await kms.generateDek("k");
  t.equal(inner.calls, 2, "the second attempt answered");
  t.ok(p.dek.equals(Buffer.alloc(32, 7)));
  await sleep(350);
  t.equal(inner.handed.length, 2);
  t.equal(inner.handed[0], p.dek, "the answered DEK came first");
  t.ok(inner.handed[1]!.equals(Buffer.alloc(32)), "the first attempt's late DEK was zeroed");
  t.ok(p.dek.equals(Buffer.alloc(32, 7)), "the DEK in use is untouched");
  t.equal(kms.metrics.snapshot().generateDek.outcomes.unavailable, 1);
});

t.test("the whole call ends within its budget", async (t) => {
  const inner = new ScriptedKms([() => sleep(10_000)]);
  const kms = new ResilientKms(inner, { attemptTimeoutMs: 150, budgetMs: 400, maxAttempts: 10, baseDelayMs: 10, maxDelayMs: 20, failureThreshold: 100 });
  const started = Date.now();
  const e = await kms.decryptEdek(Buffer.from("e")).then(() => undefined, (x: unknown) => x);
  const took = Date.now() - started;
  t.ok(isKsealError(e, "KMS_UNAVAILABLE"));
  t.ok(took < 600, `ended after ${took} ms (budget 400)`);
});

t.test("circuit breaker: opens, fails fast, probes once, closes", async (t) => {
  let now = 1_000_000;
  let behaviour: () => Promise<void> = down;
  const inner = new ScriptedKms([() => behaviour()]);
  const kms = new ResilientKms(inner, { ...fast, maxAttempts: 1, failureThreshold: 3, openMs: 5000, now: () => now });
  for (let i = 0; i < 3; i++) await kms.resolveAlias("a").catch(() => undefined);
  t.equal(kms.breaker, "open");
  t.equal(inner.calls, 3);
  const fastFail = await kms.resolveAlias("a").then(() => undefined, (x: unknown) => x);
  t.ok(isKsealError(fastFail, "KMS_UNAVAILABLE"), "rejected while open");
  t.equal(inner.calls, 3, "without calling the KMS");
  t.equal(kms.metrics.snapshot().resolveAlias.outcomes.rejected, 1);
  now += 5000;
  t.equal(kms.breaker, "half-open");
  await kms.resolveAlias("a").catch(() => undefined);
  t.equal(inner.calls, 4, "one probe");
  t.equal(kms.breaker, "open", "a failed probe opens it again");
  now += 5000;
  behaviour = ok;
  // Two calls at once in half-open: one probe goes through, the other is turned away.
  const [a, b] = await Promise.allSettled([kms.resolveAlias("a"), kms.resolveAlias("b")]);
  t.equal(a.status, "fulfilled");
  t.equal(b.status, "rejected");
  t.equal(kms.breaker, "closed");
  t.equal(await kms.resolveAlias("c"), "id-c");
  t.equal(kms.metrics.snapshot().breakerOpens, 2);
});

t.test("config: retry and breaker keys, field named on error", async (t) => {
  t.same(parseResilience({ retry: { maxAttempts: 2, baseDelayMs: 50 }, breaker: { openMs: 1000 } }), { maxAttempts: 2, baseDelayMs: 50, openMs: 1000 });
  t.throws(() => parseResilience({ retry: { maxAttempts: 0 } }), /encryption\.kms\.retry\.maxAttempts/);
  t.throws(() => parseResilience({ breaker: { nope: 1 } }), /encryption\.kms\.breaker\.nope is not a known key/);
});
