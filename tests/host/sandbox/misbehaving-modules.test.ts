// Misbehaving modules (tests/fixtures/wasm) are contained or rejected: a trap, an endless loop,
// memory growth until failure and an out-of-bounds pointer each fail only the affected call,
// with a retriable error and nothing released in clear, while other calls keep being served; a
// wrong ABI version, a failing or hanging self-test, a broken round trip and a module without a
// memory cap are refused as candidates.
import t from "tap";
import { randomBytes } from "node:crypto";
import { checkCandidate } from "../../../host/sandbox/module-candidate.js";
import { WorkerPool } from "../../../host/sandbox/worker-pool.js";
import { commandBatch, fixture, type FixtureName } from "../../fixtures/wasm/build-fixtures.js";
import { plainRecords, policyBuild } from "./support.js";

const DEK = randomBytes(32);
const EDEK = randomBytes(78);
const key = () => ({ dek: Buffer.from(DEK), edek: EDEK, budget: 1000 });
const liveKey = () => ({ dek: Buffer.from(DEK), edek: EDEK });
const codeOf = (p: Promise<unknown>) => p.then(() => "no error", (e: { code?: string }) => e.code ?? String(e));

t.test("misbehaving calls fail alone and the sandbox keeps serving", async (t) => {
  const pool = await WorkerPool.start(fixture("misbehave"), { size: 2, callTimeoutMs: 3000 });
  t.teardown(() => pool.close());
  const good = plainRecords();
  const cases: [string, "trap" | "loop" | "grow" | "oob ", string][] = [
    ["trap", "trap", "WASM_TRAP"],
    ["endless loop", "loop", "WASM_TIMEOUT"],
    ["memory growth until failure", "grow", "WASM_TRAP"],
    ["out-of-bounds output pointer", "oob ", "WASM_OUT_OF_BOUNDS"],
  ];
  for (const [what, cmd, code] of cases) {
    const bad = pool.encryptRecords([commandBatch(good, cmd)], key());
    const others = Promise.all([1, 2, 3].map(() => pool.encryptRecords([good], key())));
    const err = await bad.then(() => undefined, (e: { code: string; retriable: boolean }) => e);
    t.equal(err?.code, code, `${what}: ${code}`);
    t.equal(err?.retriable, true, `${what}: retriable`);
    const ok = await others;
    t.ok(ok.every(([b]) => b && !b.equals(good)), `${what}: other calls encrypted`);
    const [after] = await pool.encryptRecords([good], key());
    const back = await pool.decryptRecords(after!, [{ dek: DEK, edek: EDEK }]);
    t.ok(back.records?.equals(good), `${what}: the sandbox serves after it`);
  }
  t.equal(pool.getStats().timeouts, 1, "one watchdog kill (the loop)");
});

t.test("bad candidates are rejected with a reason", async (t) => {
  const cases: [FixtureName, RegExp][] = [
    ["wrong-abi", /kseal_abi_v1 is 2/],
    ["failing-self-test", /WASM_SELF_TEST_FAILED.*test 3 failed/],
    ["hanging-self-test", /WASM_TIMEOUT/],
    ["lying-round-trip", /round-trip|unencrypted|cannot read/],
    ["no-memory-cap", /declare a maximum/],
  ];
  for (const [name, why] of cases) {
    const err = await checkCandidate(fixture(name), { liveKey, startTimeoutMs: 10_000 }).then(() => undefined, (e: Error & { code: string }) => e);
    t.equal(err?.code, "WASM_MODULE_REJECTED", `${name} rejected`);
    t.match(err?.message ?? "", why, `${name}: ${err?.message}`);
  }
  const notWasm = await codeOf(checkCandidate(Buffer.from("not wasm"), { liveKey }));
  t.equal(notWasm, "WASM_MODULE_REJECTED");
  const pinned = await checkCandidate(policyBuild("standard"), { liveKey, pins: ["00".repeat(32)] }).then(() => "", (e: Error) => e.message);
  t.match(pinned, /is not pinned/);
  const ok = await checkCandidate(fixture("misbehave"), { liveKey });
  t.equal(ok.policy.name, "standard", "a module without policy exports counts as standard v0");
  t.equal(ok.policy.version, 0);
});

t.test("the policy builds pass and describe themselves", async (t) => {
  for (const p of ["standard", "strict", "audit"]) {
    const a = await checkCandidate(policyBuild(p), { liveKey });
    t.equal(a.policy.name, p);
    t.equal(a.policy.version, 1);
    t.match(a.policy.buildHash, /^[0-9a-f]{8}$/);
    t.not(a.policy.buildHash, "00000000", "build hash from build/build.mjs");
    t.equal(a.policy.requireKek, p === "strict");
    t.equal(a.policy.refusePlaintext, p === "strict");
    t.equal(a.policy.counts, p === "audit");
  }
});

t.test("audit build counts its decisions", async (t) => {
  const pool = await WorkerPool.start(policyBuild("audit"), { size: 1 });
  t.teardown(() => pool.close());
  const [enc] = await pool.encryptRecords([plainRecords(2)], key());
  await pool.decryptRecords(enc!, [{ dek: DEK, edek: EDEK }]);
  await pool.decryptRecords(plainRecords(1), []);
  const c = await pool.counters();
  t.same(c, { encrypted: 10n, produceKept: 2n, decrypted: 10n, fetchPlaintext: 2n + 6n, fetchFailed: 0n });
});
