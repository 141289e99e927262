// The kseal CLI as a user runs it: a child process, signals, a YAML config, flags.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { rawClient, requestV1, startFakeBroker } from "../../clients/fake-broker.js";

const main = fileURLToPath(new URL("../../../host/cli/main.ts", import.meta.url));
const node = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8", timeout: 30_000 });

t.test("version and help", async (t) => {
  const v = node(["version"]);
  t.equal(v.status, 0);
  t.match(v.stdout, /^kseal \d+\.\d+\.\d+/);
  for (const args of [["--help"], ["start", "--help"], ["version", "--help"]]) {
    const h = node(args);
    t.equal(h.status, 0, `${args.join(" ")} exits 0`);
    t.match(h.stdout, /Usage/);
  }
  const bad = node(["frobnicate"]);
  t.equal(bad.status, 1);
  t.match(bad.stderr, /unknown command/);
  const badFlag = node(["start", "--no-such-flag"]);
  t.equal(badFlag.status, 1);
});

t.test("invalid config is reported with its code and nothing starts", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "kseal-cli-"));
  const file = join(dir, "bad.yaml");
  writeFileSync(file, "bootstrapPort: 70000\n");
  const r = node(["start", "--config", file]);
  t.equal(r.status, 1);
  t.match(r.stderr, /CONFIG_INVALID/);
  writeFileSync(file, "listenHost: [\n");
  t.match(node(["start", "--config", file]).stderr, /CONFIG_INVALID.*not valid YAML/);
  t.match(node(["start", "--config", join(dir, "missing.yaml")]).stderr, /CONFIG_INVALID.*cannot read/);
});

t.test("start: logs its ports, proxies, stops on SIGTERM", async (t) => {
  const broker = await startFakeBroker((req) => {
    const b = Buffer.alloc(6);
    b.writeInt32BE(req.readInt32BE(4), 0);
    return b;
  });
  t.teardown(() => broker.close());
  const dir = mkdtempSync(join(tmpdir(), "kseal-cli-"));
  const file = join(dir, "kseal.yaml");
  // The file says 9192 and a wrong target; flags override both.
  writeFileSync(file, "bootstrapPort: 9192\ntarget: 127.0.0.1:1\nlimits:\n  maxInFlightPerConnection: 8\n");
  const child = spawn(process.execPath, ["--import", "tsx", main, "start", "--config", file, "--bootstrap-port", "0", "--target", `127.0.0.1:${broker.port}`], {
    stdio: ["ignore", "pipe", "pipe"],
    // Encryption is on by default; keep its local key file out of the user's home.
    env: { ...process.env, KSEAL_LOG_LEVEL: "info", KSEAL_LOCAL_KMS_FILE: join(dir, "local-kms.json") },
  });
  t.teardown(() => child.kill("SIGKILL"));
  let out = "";
  const started = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start line: ${out}`)), 20_000);
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.includes("kseal proxy listening"));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    });
  });
  t.match(started.listen, /^127\.0\.0\.1:\d+$/, "start line names the listen address");
  t.equal(started.target, `127.0.0.1:${broker.port}`);
  const port = Number(started.listen.split(":")[1]);
  const c = await rawClient(port);
  c.send(requestV1(2, 1, 42, Buffer.from("q")));
  t.equal((await c.next()).readInt32BE(0), 42, "a request round-trips through the CLI's proxy");
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  t.equal(await exited, 0, "graceful exit on SIGTERM");
  await c.closed;
  t.match(out, /kseal proxy stopped/);
});
