// The interop matrix's Markdown table (docs/interop.md) from its JSON results.
import t from "tap";
import { TABLE_BEGIN, TABLE_END, renderMarkdown, replaceTable, type InteropResults } from "../../interop/matrix-results.js";

const results: InteropResults = {
  measuredAt: "2026-11-30 10:48 UTC",
  kafkaVersion: "4.4.0",
  recordsPerBatch: 6,
  clients: [
    { name: "java", label: "Apache Kafka Java client" },
    { name: "kafkajs", label: "kafkajs 2.2.4" },
    { name: "franz", label: "franz", skipped: "the Go toolchain (go) is not installed" },
  ],
  rows: [
    { producer: "java", codec: "gzip", produce: { result: "pass" }, consumers: { java: { result: "pass" }, kafkajs: { result: "pass" } } },
    { producer: "java", codec: "lz4", produce: { result: "pass" }, consumers: { java: { result: "fail", note: "read 5 of 6" }, kafkajs: { result: "n/a" } } },
  ],
  atRest: [{ codec: "gzip", plaintextFound: false, storedCodecs: ["gzip"] }],
  wallSeconds: 23.4,
};

t.test("rows are producer and codec, columns the clients that ran", async (t) => {
  const md = renderMarkdown(results);
  t.match(md, "| Producer | Codec | Produce | java | kafkajs |\n");
  t.match(md, "| java | gzip | pass | pass | pass |\n");
  t.match(md, "| java | lz4 | pass | **FAIL** | n/a |\n");
  t.match(md, "| franz | franz — skipped: the Go toolchain (go) is not installed |");
  t.match(md, "| gzip | none | gzip |");
  t.match(md, "- java lz4 → java: read 5 of 6");
  t.match(md, "wall time 23 s");
});

t.test("the table replaces only the text between the markers", async (t) => {
  const doc = `# Title\n\nbefore\n\n${TABLE_BEGIN}\nold table\n${TABLE_END}\n\nafter\n`;
  const out = replaceTable(doc, results);
  t.ok(out.startsWith(`# Title\n\nbefore\n\n${TABLE_BEGIN}\nMeasured 2026-11-30`));
  t.ok(out.endsWith(`read 5 of 6\n${TABLE_END}\n\nafter\n`));
  t.notMatch(out, "old table");
  t.same(replaceTable(out, results), out, "idempotent");
  t.throws(() => replaceTable("# no markers\n", results), /lacks the markers/);
});
