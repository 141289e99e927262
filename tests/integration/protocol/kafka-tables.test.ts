// api-keys.ts and kafka-errors.ts were written from kafka-clients facts; this re-reads those
// facts from the kafka-clients jar of the rig's Kafka version and fails on any difference.
import t from "tap";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { kafkaClasspath } from "../../rig/kafka-classpath.js";
import { API_KEYS, NEVER } from "../../../host/protocol/api-keys.js";
import { responseHeaderVersion } from "../../../host/protocol/headers.js";
import { KafkaError } from "../../../host/protocol/kafka-errors.js";

const here = dirname(fileURLToPath(import.meta.url));
const noJava = spawnSync("java", ["-version"], { stdio: "ignore" }).status !== 0 ? "java is not installed" : undefined;

t.test("API key table and error codes match kafka-clients", { skip: noJava, timeout: 300_000 }, async (t) => {
  const { classpath, version } = await kafkaClasspath();
  const r = spawnSync("java", ["-Xmx128m", "-cp", classpath, join(here, "java/KafkaTables.java")], { encoding: "utf8" });
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  const apis = lines.filter((l) => l.startsWith("API "));
  t.equal(apis.length, API_KEYS.size, `Kafka ${version} serves ${apis.length} API keys`);
  for (const l of apis) {
    const [, id, name, min, max, flex, quirk] = l.split(" ");
    const info = API_KEYS.get(Number(id));
    const flexibleFrom = Number(flex) < 0 ? NEVER : Number(flex);
    t.same(
      info && [info.name, info.minVersion, info.maxVersion, info.flexibleFrom],
      [name, Number(min), Number(max), flexibleFrom],
      `${name} (${id})`,
    );
    if (quirk) t.equal(responseHeaderVersion(Number(id), Number(max)), 0, `${name}: response header always v0`);
  }
  const codes = new Map(lines.filter((l) => l.startsWith("ERROR ")).map((l) => {
    const [, code, name] = l.split(" ");
    return [name!, Number(code)];
  }));
  for (const [name, code] of Object.entries(KafkaError)) t.equal(codes.get(name), code, `${name} = ${code}`);
});
