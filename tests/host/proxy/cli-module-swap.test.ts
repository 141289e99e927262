// `kseal start` from the build as a user runs it, with the filter module named in its config:
// the module file is replaced by another policy build and swapped in on SIGHUP and on
// POST /module/reload, GET /module shows the live module, and the proxy keeps serving.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { rawClient, requestV1, startFakeBroker } from "../../clients/fake-broker.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const main = join(root, "build/host/cli/main.js");
const build = (policy: string) => join(root, `build/kseal-${policy}.wasm`);

interface LiveModule { module: { name: string; sha256: string; path: string }; swaps: number; failedSwaps: number }

t.test("start: the configured module is swapped on SIGHUP and POST /module/reload", { skip: !existsSync(main) && "run node build/build.mjs first" }, async (t) => {
  const broker = await startFakeBroker((req) => {
    const b = Buffer.alloc(6);
    b.writeInt32BE(req.readInt32BE(4), 0);
    return b;
  });
  t.teardown(() => broker.close());
  const dir = mkdtempSync(join(tmpdir(), "kseal-cli-module-"));
  const modulePath = join(dir, "filter.wasm");
  copyFileSync(build("standard"), modulePath);
  const cfg = join(dir, "kseal.yaml");
  // watch off: each swap below comes from the trigger under test, not from the file poller.
  writeFileSync(cfg, `bootstrapPort: 0\ntarget: 127.0.0.1:${broker.port}\nmodule:\n  path: ${JSON.stringify(modulePath)}\n  watch: false\n  pool: 1\n`);
  const child = spawn(process.execPath, [main, "start", "--config", cfg], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, KSEAL_LOG_LEVEL: "info", KSEAL_LOCAL_KMS_FILE: join(dir, "local-kms.json") },
  });
  t.teardown(() => child.kill("SIGKILL"));
  let out = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { out += d; });
  const lineWith = async (text: string): Promise<Record<string, string>> => {
    for (let i = 0; i < 300; i++) {
      const line = out.split("\n").find((l) => l.includes(text));
      if (line) return JSON.parse(line) as Record<string, string>;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no "${text}" line: ${out}`);
  };
  const proxyPort = Number((await lineWith("kseal proxy listening")).listen!.split(":")[1]);
  const adminBase = `http://${(await lineWith("admin HTTP listening")).listen}`;
  const live = async () => (await (await fetch(`${adminBase}/module`)).json()) as LiveModule;
  const until = async (name: string): Promise<LiveModule> => {
    for (let i = 0; i < 200; i++) {
      const m = await live();
      if (m.module.name === name) return m;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`GET /module never showed ${name}: ${out}`);
  };

  const first = await live();
  t.equal(first.module.name, "standard", "GET /module: the configured module");
  t.equal(first.module.path, modulePath);
  t.equal((first as unknown as { sha256: string }).sha256, first.module.sha256, "the module's fields also at the top, as before hot swap");
  t.equal(first.swaps, 0);

  copyFileSync(build("strict"), modulePath);
  child.kill("SIGHUP");
  const strict = await until("strict");
  t.equal(strict.swaps, 1, "SIGHUP swapped to the strict build");
  t.not(strict.module.sha256, first.module.sha256);

  copyFileSync(build("standard"), modulePath);
  const res = await fetch(`${adminBase}/module/reload`, { method: "POST" });
  t.equal(res.status, 200);
  t.equal(((await res.json()) as { module: { name: string } }).module.name, "standard", "reload answers with the new module");
  const back = await live();
  t.equal(back.module.name, "standard", "GET /module shows the live module");
  t.equal(back.module.sha256, first.module.sha256);
  t.equal(back.swaps, 2);
  t.equal(back.failedSwaps, 0);

  const c = await rawClient(proxyPort);
  c.send(requestV1(2, 1, 42, Buffer.from("q")));
  t.equal((await c.next()).readInt32BE(0), 42, "the proxy still serves after two swaps");
  t.equal(child.exitCode, null, "still running");
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  t.equal(await exited, 0, "graceful exit on SIGTERM with the module manager closed");
  await c.closed;
});
