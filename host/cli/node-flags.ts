/**
 * The node options kseal runs with. They only work on node's command line (not in NODE_OPTIONS,
 * not set at run time), so the launch paths pass them: `npm start`, the container's ENTRYPOINT
 * (Dockerfile) and the test rig (tests/rig/kseal-cli.ts); tests/host/proxy/node-flags.test.ts
 * checks that they agree. The `kseal` bin keeps a plain `#!/usr/bin/env node` (options in a
 * shebang need `env -S`, which busybox lacks); started that way, kseal logs a hint.
 *
 * --initial-old-space-size=64: kseal's own heap is small (about 9 MB) while megabytes of records
 * a second pass through it in buffers. With V8's default sizing the old generation's limit after
 * a collection sits so close to that small live size that V8 starts marking again at once: at
 * full consume speed a mark-compact every 30 to 60 ms, event-loop pauses of up to 10 ms, and
 * V8's helper threads using as much CPU as the event loop. Starting from a 64 MB limit removes
 * those collections (docs/performance.md, run G: 17% less CPU per MB on consume). It is where
 * the heap's limit starts, not a cap: a busier proxy's heap grows past it as usual.
 */
export const NODE_FLAGS: readonly string[] = ["--initial-old-space-size=64"];

/** The kseal node options this process was started without (for a hint in the log). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return NODE_FLAGS.filter((f) => !execArgv.includes(f));
}
