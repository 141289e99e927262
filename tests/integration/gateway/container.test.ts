// The container image for real: builds the project's Dockerfile unchanged with podman (on a base
// image made locally with debootstrap, since none can be pulled), runs it against the rig's Kafka,
// and checks that a client produces and consumes through it, the HEALTHCHECK turns healthy, the
// process runs as a non-root user, and `podman stop` drains it cleanly (exit code 0).
// Skipped, with the reason, without root, podman, runc or debootstrap.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";
import t from "tap";
import { createTopic, kafkaUnavailableReason, runProcess, useCluster } from "../../rig/index.js";
import { containerUnavailableReason, dockerfileBaseImage, ensureBaseImage, PODMAN_RUNTIME, ULIMITS } from "./container-base.js";
import { freePortRange } from "../../rig/free-ports.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const unavailable = kafkaUnavailableReason() ?? containerUnavailableReason();
const IMAGE = "localhost/kseal-test:latest";

function podman(args: string[], timeout = 120_000): string {
  return execFileSync("podman", [...PODMAN_RUNTIME, ...args], { encoding: "utf8", timeout, stdio: ["ignore", "pipe", "pipe"] });
}

if (unavailable) t.plan(0, unavailable);
else {
  t.test("kseal container against real Kafka", { timeout: 1_800_000 }, async (t) => {
    ensureBaseImage(dockerfileBaseImage(join(root, "Dockerfile")), (s) => t.comment(s));
    t.comment("podman build (npm ci, WASM and host build)");
    const build = await runProcess("podman", [...PODMAN_RUNTIME, "build", "--format", "docker", ...ULIMITS, "--network=host", "-t", IMAGE, "-f", join(root, "Dockerfile"), root], { timeoutMs: 1_500_000 });
    t.equal(build.code, 0, `image built ${build.code === 0 ? "" : (build.stderr + build.stdout).slice(-3000)}`);
    if (build.code !== 0) return;
    t.equal(podman(["image", "inspect", "--format", "{{.Config.User}}", IMAGE]).trim(), "10001:10001", "image runs as uid 10001");

    const info = await useCluster(t);
    const dir = mkdtempSync(join(tmpdir(), "kseal-container-"));
    chmodSync(dir, 0o755);
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const base = await freePortRange(1 + info.brokers.length + 1);
    const adminPort = base + info.brokers.length + 1;
    writeFileSync(join(dir, "kseal.yaml"), [
      `bootstrapPort: ${base}`,
      `target: ${info.bootstrap}`,
      "admin:",
      "  port: ${env:KSEAL_ADMIN_PORT}",
      "limits: { shutdownDrainMs: 5000 }",
    ].join("\n") + "\n");
    chmodSync(join(dir, "kseal.yaml"), 0o644);
    const name = `kseal-test-${process.pid}`;
    podman(["run", "-d", "--name", name, "--network=host", ...ULIMITS,
      "-e", `KSEAL_ADMIN_PORT=${adminPort}`, "-e", "KSEAL_KMS_PASSPHRASE=container-test-passphrase",
      "-v", `${join(dir, "kseal.yaml")}:/etc/kseal/kseal.yaml:ro`, IMAGE]);
    t.teardown(() => {
      try {
        podman(["rm", "-f", name]);
      } catch {
        // already gone
      }
    });

    // Health: the HEALTHCHECK (fetch /livez inside the container) turns healthy.
    let health = "";
    for (let i = 0; i < 60 && health !== "healthy"; i++) {
      try {
        podman(["healthcheck", "run", name]);
        health = "healthy";
      } catch {
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    t.equal(health, "healthy", `health check passes ${health === "healthy" ? "" : podman(["logs", name]).slice(-2000)}`);
    t.equal(podman(["exec", name, "id", "-u"]).trim(), "10001", "the kseal process runs as uid 10001");
    t.equal((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status, 200, "/readyz from outside the container");

    const bootstrap = `127.0.0.1:${base}`;
    const topic = await createTopic(info, { numPartitions: 1 });
    const kafka = new Kafka({ clientId: "container-test", brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 20 }, (_, i) => `container-${i}`);
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `g-${topic}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${got.length}`)), 60_000);
      consumer.run({ eachMessage: async ({ message }) => {
        got.push(message.value!.toString());
        if (got.length === values.length) {
          clearTimeout(timer);
          resolve();
        }
      } }).catch(reject);
    });
    await consumer.disconnect();
    t.same(got, values, "a client produced and consumed through the container");

    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    t.match(metrics, /kseal_encryption_partitions_total\{cluster="default",outcome="encryptedPartitions"\} 1/, "records were encrypted in the container");

    podman(["stop", "-t", "30", name], 60_000);
    t.equal(podman(["inspect", "--format", "{{.State.ExitCode}}", name]).trim(), "0", "podman stop: exit code 0");
    const logs = podman(["logs", name]);
    t.match(logs, /"msg":"kseal proxy stopped"/, "drained before exiting");
    t.notMatch(logs, /started without kseal's node options/, "the image runs node with kseal's node options");
  });
}
