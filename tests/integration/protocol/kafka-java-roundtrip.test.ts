// Differential test against Kafka's own generated serializers (kafka-clients of the rig's Kafka
// version): every codec, every version, request and response. Our encoding of a hand-built
// message is parsed by Kafka's message class and written back by Kafka's serializer; the bytes
// must be identical, so both sides agree on every field, length and tagged field.
import t from "tap";
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { kafkaClasspath } from "../../rig/kafka-classpath.js";
import { CODECS } from "../../../host/protocol/registry.js";
import { SAMPLES } from "../../host/protocol/samples.js";

const here = dirname(fileURLToPath(import.meta.url));
const noJava = spawnSync("java", ["-version"], { stdio: "ignore" }).status !== 0 ? "java is not installed" : undefined;

function runJava(classpath: string, input: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn("java", ["-Xmx256m", "-cp", classpath, join(here, "java/KafkaRoundTrip.java")], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out.trim().split("\n")) : reject(new Error(`java exited ${code}: ${err}`))));
    child.stdin.end(input);
  });
}

t.test("our bytes survive Kafka's own parse and serialize unchanged", { skip: noJava, timeout: 300_000 }, async (t) => {
  const { classpath, version: kafkaVersion } = await kafkaClasspath();
  const cases: Array<{ label: string; line: string; bytes: Buffer }> = [];
  for (const codec of CODECS) {
    const sample = SAMPLES[codec.name]!;
    for (let v = codec.minVersion; v <= codec.maxVersion; v++) {
      for (const kind of ["Request", "Response"] as const) {
        const bytes = kind === "Request" ? codec.encodeRequest(sample.request, v) : codec.encodeResponse(sample.response, v);
        cases.push({ label: `${codec.name} ${kind.toLowerCase()} v${v}`, line: `${codec.name}${kind}Data ${v} ${bytes.toString("hex")}`, bytes });
      }
    }
  }
  const results = await runJava(classpath, cases.map((c) => c.line).join("\n") + "\n");
  t.equal(results.length, cases.length, `Kafka ${kafkaVersion} answered every case`);
  cases.forEach((c, i) => {
    const r = results[i] ?? "";
    t.equal(r, `OK ${c.bytes.toString("hex")}`, `${c.label}: Kafka ${kafkaVersion} re-serializes our ${c.bytes.length} bytes identically`);
  });
});
