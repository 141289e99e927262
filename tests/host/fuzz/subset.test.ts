// A fixed-seed slice of the fuzz run (tests/fuzz, docs/fuzzing.md): every target, a few thousand
// mutated cases each, in this process. Any failure prints the command that replays it.
import t from "tap";
import { runRange } from "../../fuzz/engine.js";
import { TARGETS } from "../../fuzz/targets/index.js";
import { filterRig } from "../../fuzz/targets/filter-rig.js";
import { isKnownOpen } from "./known-issues.js";

const SEED = 20261130;
const CASES: Record<string, number> = {
  "frame-reader": 4000,
  protocol: 10000,
  compression: 4000,
  "record-batch": 4000,
  "wasm-batch": 5000,
  "filter-produce": 3000,
  "filter-fetch": 3000,
};
/** Generous: a case is expected to take well under a millisecond; this only catches hangs and
 * runaway work, not slowness on a loaded machine. */
const BUDGET_MS = 10_000;

for (const target of TARGETS) {
  t.test(`${target.name}: ${CASES[target.name]} cases, seed ${SEED}`, async (t) => {
    const seeds = await target.setup();
    const stats = await runRange(target, seeds, SEED, 0, CASES[target.name] ?? 1000, BUDGET_MS);
    const open: string[] = [];
    const shown: string[] = [];
    for (const f of stats.failures) {
      const line = `${f.kind} case ${f.index}: ${f.message.split("\n")[0]} (replay: node --import tsx tests/fuzz/run.ts --seed ${SEED} --target ${f.target} --case ${f.index})`;
      if (await isKnownOpen(f)) open.push(line);
      else if (shown.length < 5) shown.push(line);
    }
    // Findings whose fix is outside the fuzzing work (known-issues.ts) are reported, not failed,
    // until the fix lands; regressions.test.ts holds a todo test for each.
    if (open.length > 0) t.comment(`${open.length} failures of open findings (docs/fuzzing.md), e.g. ${open[0]}`);
    t.same(shown, [], "no crash, hang, leak or plaintext");
    t.ok(stats.accepted > 0, `some inputs get through the first checks (${stats.accepted} accepted, ${stats.rejected} rejected)`);
  });
}

t.teardown(async () => (await filterRig()).close());
