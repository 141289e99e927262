// The module manager swaps the running module on a file change, on SIGHUP and on an admin
// request; a bad candidate is rejected with its reason while the old module keeps serving; calls
// in flight during a swap complete; pins refuse unknown modules; metrics count it all.
import t from "tap";
import { randomBytes } from "node:crypto";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { ModuleManager } from "../../../host/sandbox/module-manager.js";
import { moduleRoutes } from "../../../host/sandbox/module-admin-routes.js";
import { sha256Hex } from "../../../host/sandbox/module-candidate.js";
import { fixture } from "../../fixtures/wasm/build-fixtures.js";
import { plainRecords, policyBuild } from "./support.js";

const DEK = randomBytes(32);
const EDEK = randomBytes(78);
const key = () => ({ dek: Buffer.from(DEK), edek: EDEK, budget: 1000 });
const silent = pino({ level: "silent" });

function place(path: string, bytes: Buffer): void {
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test("swaps on file change, SIGHUP and admin; rejects bad candidates", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kseal-mm-"));
  const path = join(dir, "filter.wasm");
  place(path, policyBuild("standard"));
  const m = await ModuleManager.start({ path, sighup: true, logger: silent, pool: { size: 2 }, liveKey: () => ({ dek: DEK, edek: EDEK }) });
  t.teardown(async () => { await m.close(); rmSync(dir, { recursive: true, force: true }); });
  t.equal(m.metrics().module.name, "standard");

  // traffic keeps flowing through every swap
  let stop = false;
  let served = 0;
  const failures: string[] = [];
  const traffic = (async () => {
    const input = plainRecords();
    while (!stop) {
      try {
        const [enc] = await m.pool.encryptRecords([input], key());
        const back = await m.pool.decryptRecords(enc!, [{ dek: DEK, edek: EDEK }]);
        if (!back.records?.equals(input)) failures.push("round trip differs");
        served++;
      } catch (e) {
        failures.push(String(e));
      }
    }
  })();

  place(path, policyBuild("strict"));
  await until("file-change swap", () => m.metrics().swaps === 1);
  t.equal(m.metrics().module.name, "strict", "file change: strict serving");
  t.equal((await m.pool.policyInfo()).name, "strict", "the next call runs on the new module");

  place(path, fixture("wrong-abi"));
  await until("rejection", () => m.metrics().failedSwaps === 1);
  t.match(m.metrics().lastFailure?.reason ?? "", /kseal_abi_v1 is 2/);
  t.equal(m.metrics().module.name, "strict", "rejected candidate: the old module keeps serving");
  t.equal((await m.pool.policyInfo()).name, "strict");

  place(path, policyBuild("audit"));
  const before = m.metrics().swaps;
  process.kill(process.pid, "SIGHUP");
  await until("SIGHUP swap", () => m.metrics().swaps > before);
  t.equal(m.metrics().module.name, "audit", "SIGHUP (or the file watcher) swapped to audit");

  const routes = moduleRoutes(m);
  place(path, policyBuild("standard"));
  const reload = routes.find((r) => r.path === "/module/reload")!;
  const res = await reload.handler({ method: "POST", path: "/module/reload", body: Buffer.alloc(0) });
  t.ok(res.status === 200, "admin reload answers 200");
  await until("admin swap", () => m.metrics().module.name === "standard");
  const get = await routes.find((r) => r.path === "/module")!.handler({ method: "GET", path: "/module", body: Buffer.alloc(0) });
  const body = get.body as ReturnType<ModuleManager["metrics"]>;
  t.equal(body.module.name, "standard");
  t.equal(body.module.sha256, sha256Hex(policyBuild("standard")));
  t.match(body.module.buildHash, /^[0-9a-f]{8}$/);
  t.ok(body.swaps >= 3);
  t.equal(body.failedSwaps, 1);

  place(path, fixture("failing-self-test"));
  const bad = await reload.handler({ method: "POST", path: "/module/reload", body: Buffer.alloc(0) });
  t.equal(bad.status, 409, "admin reload of a bad module: 409 with the reason");
  t.match(JSON.stringify(bad.body), /self-test/);

  stop = true;
  await traffic;
  t.same(failures, [], "no call failed during the swaps");
  t.ok(served > 0, `${served} round trips served meanwhile`);
});

t.test("sha256 pins", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kseal-mm-"));
  const path = join(dir, "filter.wasm");
  place(path, policyBuild("standard"));
  const pins = [sha256Hex(policyBuild("standard")), sha256Hex(policyBuild("strict"))];
  const m = await ModuleManager.start({ path, pins, watch: false, logger: silent, pool: { size: 1 } });
  t.teardown(async () => { await m.close(); rmSync(dir, { recursive: true, force: true }); });
  place(path, policyBuild("audit"));
  const r = await m.reload("api");
  t.equal(r.swapped, false);
  t.match(r.reason ?? "", /not pinned/);
  place(path, policyBuild("strict"));
  t.equal((await m.reload("api")).swapped, true, "a pinned module swaps");
});
