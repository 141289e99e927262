// `kseal start` with no config file encrypts by default: the embedded local KMS creates its key
// file (owner-only) under ~/.config/kseal and a KEK per topic on first use; kcat through it reads
// plaintext while the broker holds only ciphertext; `kseal keys list` shows the KEK.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { spawnKsealCli } from "../../rig/kseal-cli.js";
import { containsBytes, createTopic, kafkaUnavailableReason, kcatPath, rawLog, runKcat, uniqueTopic, useCluster } from "../../rig/index.js";

const main = fileURLToPath(new URL("../../../host/cli/main.ts", import.meta.url));
const unavailable = kafkaUnavailableReason() ?? (kcatPath() ? undefined : "kcat is not installed");
if (unavailable) t.plan(0, unavailable);
else {
  t.test("kseal start with no config encrypts every topic with the local KMS", async (t) => {
    const info = await useCluster(t);
    const home = mkdtempSync(join(tmpdir(), "kseal-home-"));
    t.teardown(() => rmSync(home, { recursive: true, force: true }));
    const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: "", KSEAL_LOCAL_KMS_FILE: "", KSEAL_LOG_LEVEL: "info" };
    const proxy = await spawnKsealCli({ args: ["--target", info.bootstrap, "--bootstrap-port", "0"], env });
    t.teardown(() => proxy.child.kill("SIGKILL"));
    t.match(proxy.output(), /record encryption on/, "encryption is on by default");
    const bootstrap = proxy.bootstrap;
    const topic = await createTopic(info, { topic: uniqueTopic("enc-cli"), numPartitions: 1 });
    const lines = Array.from({ length: 20 }, (_, i) => `k${i}:cli-secret-${i}`);
    const prod = await runKcat(["-b", bootstrap, "-t", topic, "-P", "-K:", "-X", "acks=all"], { input: lines.join("\n") + "\n", timeoutMs: 60_000 });
    t.equal(prod.code, 0, `kcat produced ${prod.stderr.slice(-300)}`);
    t.notOk(containsBytes(rawLog(info, topic), "cli-secret"), "ciphertext at rest");
    const cons = await runKcat(["-b", bootstrap, "-t", topic, "-C", "-o", "beginning", "-e", "-q", "-f", "%k:%s\\n"], { timeoutMs: 60_000 });
    t.same(cons.stdout.split("\n").filter(Boolean), lines, "kcat reads plaintext through kseal");

    const keyFile = join(home, ".config", "kseal", "local-kms.json");
    t.equal(statSync(keyFile).mode & 0o777, 0o600, "key file created owner-only under ~/.config/kseal");
    const list = await new Promise<string>((resolve) => {
      const k = spawn(process.execPath, ["--import", "tsx", main, "keys", "list"], { stdio: ["ignore", "pipe", "pipe"], env });
      let s = "";
      k.stdout.on("data", (d) => (s += d));
      k.once("exit", () => resolve(s));
    });
    t.match(list, `KEK-${topic}`, "kseal keys list shows the topic's KEK");

    proxy.child.kill("SIGTERM");
    t.equal(await proxy.exited, 0, "graceful exit");
  });
}
