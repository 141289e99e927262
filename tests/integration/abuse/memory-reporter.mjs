// Preloaded into the proxy process under test (node --import): writes process.memoryUsage() as
// one JSON line to $KSEAL_TEST_MEM_FILE every 500 ms, so a test can read the child's heap as well
// as what /proc shows (RSS, fds). Test-only; the product never loads it. Plain JavaScript: the
// sandbox workers inherit execArgv, and a TypeScript preload kills them at start-up.
import { renameSync, writeFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";

const file = process.env.KSEAL_TEST_MEM_FILE;
// Sandbox workers inherit execArgv; only the main thread reports.
if (file && isMainThread) {
  const write = () => {
    try {
      // Write and rename, so a reader never sees half a line.
      writeFileSync(`${file}.tmp`, JSON.stringify({ at: Date.now(), ...process.memoryUsage() }) + "\n");
      renameSync(`${file}.tmp`, file);
    } catch {
      // The test removed its directory; nothing to report to.
    }
  };
  write();
  setInterval(write, 500).unref();
}
