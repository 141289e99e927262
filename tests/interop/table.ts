// Prints the interop matrix's results as Markdown, or puts them into a document between the table
// markers (docs/interop.md):
//
//   KSEAL_INTEROP_RESULTS=/tmp/interop.json npx tap tests/integration/interop/matrix.test.ts
//   node --import tsx tests/interop/table.ts /tmp/interop.json [--write docs/interop.md]
import { readFileSync, writeFileSync } from "node:fs";
import { renderMarkdown, replaceTable, type InteropResults } from "./matrix-results.js";

const [file, flag, doc] = process.argv.slice(2);
if (!file || (flag !== undefined && (flag !== "--write" || !doc))) {
  process.stderr.write("usage: table.ts RESULTS.json [--write DOC.md]\n");
  process.exit(2);
}
const results = JSON.parse(readFileSync(file, "utf8")) as InteropResults;
if (doc) {
  writeFileSync(doc, replaceTable(readFileSync(doc, "utf8"), results));
  process.stdout.write(`${doc}: table updated (${results.rows.length} rows)\n`);
} else {
  process.stdout.write(`${renderMarkdown(results)}\n`);
}
