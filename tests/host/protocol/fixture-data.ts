// Loads the broker responses captured by tests/integration/protocol/capture.ts.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface ResponseFixture {
  file: string;
  kafkaVersion: string;
  api: string;
  apiKey: number;
  version: number;
  decodeVersion: number;
  note?: string;
  response: Buffer;
}

const dir = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/protocol");

export function responseFixtures(): ResponseFixture[] {
  const out: ResponseFixture[] = [];
  for (const file of readdirSync(dir).filter((f) => /^kafka-.*-responses\.json$/.test(f))) {
    const doc = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
      kafkaVersion: string;
      fixtures: Array<Omit<ResponseFixture, "file" | "kafkaVersion" | "response"> & { response: string }>;
    };
    for (const f of doc.fixtures) out.push({ ...f, file, kafkaVersion: doc.kafkaVersion, response: Buffer.from(f.response, "hex") });
  }
  return out;
}
