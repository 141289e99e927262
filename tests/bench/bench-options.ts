// Command line of the proxy benchmark suite (tests/bench/proxy.ts).

import { parseArgs } from "node:util";

export const MODES = ["direct", "passthrough", "encrypt", "kroxylicious"] as const;
export type Mode = (typeof MODES)[number];
/** kroxylicious is asked for by name: it needs the rig's Vault binary and a JVM of its own. */
const DEFAULT_MODES: Mode[] = ["direct", "passthrough", "encrypt"];

export interface BenchOptions {
  sizes: number[];
  topics: number[];
  modes: Mode[];
  rounds: number;
  /** Records per max-throughput run; undefined = from mbPerRun and the record size. */
  records?: number;
  mbPerRun: number;
  partitions: number;
  /** Offered load of the fixed-rate runs as a fraction of direct's median max produce rate; 0 = none. */
  fixedFraction: number;
  fixedSeconds: number;
  /** Fixed offered load in records/s (overrides fixedFraction). */
  fixedRate?: number;
  /** Only the fixed-rate runs (needs fixedRate). */
  fixedOnly: boolean;
  producerProps: Record<string, string>;
  json?: string;
  /** Profile the encrypting proxy (node --cpu-prof) in a separate, unmeasured pass. */
  profile: boolean;
  profileOnly: boolean;
  /** Extra YAML lines for both proxies' configs. */
  proxyYaml: string[];
  /** Benchmark the host as built from this git revision instead of build/host. */
  at?: string;
}

export const USAGE = `Usage: node --import tsx tests/bench/proxy.ts [options]

Max-throughput produce and consume runs, then fixed-rate latency runs, for every record size x
topic count, with the modes interleaved in rounds; medians over the rounds.

  --quick                 the default: --sizes 1024 --topics 1 --rounds 3 --fixed-seconds 15
  --full                  the whole matrix: --sizes 100,1024,16384 --topics 1,10 --rounds 3
  --sizes a,b,c           record value sizes in bytes
  --topics a,b            topic counts (records round-robin over the topics)
  --modes direct,passthrough,encrypt
                          (default); add kroxylicious to measure Kroxylicious 0.12 encrypting every
                          topic (Vault KMS) in the same rounds
  --rounds N              rounds; each round runs every mode once, in a rotated order
  --records N             records per max-throughput run (default: --mb worth, at most 1M)
  --mb N                  MiB of record values per max-throughput run (default 100)
  --partitions N          partitions per topic (default 3)
  --fixed-fraction F      fixed-rate offered load, as a fraction of direct's max (default 0.5; 0 = skip)
  --fixed-rate N          fixed-rate offered load in records/s instead (same for every cell)
  --fixed-only            only the fixed-rate runs (with --fixed-rate)
  --fixed-seconds N       length of each fixed-rate run (default 15, --full 30)
  --producer-prop k=v     extra producer property (repeatable), e.g. linger.ms=0
  --proxy-yaml 'line'     extra line for the proxies' YAML config (repeatable)
  --profile               afterwards, profile the encrypting proxy under produce and consume
  --profile-only          only the profile pass
  --at REV                run the host as committed at git revision REV (built into build/bench/host-<sha>/)
                          instead of build/host, e.g. while host/ has edits in progress
  --json PATH             where to write the results (default build/bench/bench-<time>.json)

Env: KSEAL_TEST_CLUSTER (a running rig cluster; default: a private 1-broker cluster, full JIT).
`;

const ints = (s: string, what: string) => s.split(",").map((x) => {
  const n = Number(x);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what}: ${x} is not a positive integer`);
  return n;
});

export function parseBenchArgs(argv: string[]): BenchOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: "boolean", short: "h" },
      quick: { type: "boolean" },
      full: { type: "boolean" },
      sizes: { type: "string" },
      topics: { type: "string" },
      modes: { type: "string" },
      rounds: { type: "string" },
      records: { type: "string" },
      mb: { type: "string" },
      partitions: { type: "string" },
      "fixed-fraction": { type: "string" },
      "fixed-seconds": { type: "string" },
      "fixed-rate": { type: "string" },
      "fixed-only": { type: "boolean" },
      "producer-prop": { type: "string", multiple: true },
      "proxy-yaml": { type: "string", multiple: true },
      profile: { type: "boolean" },
      "profile-only": { type: "boolean" },
      json: { type: "string" },
      at: { type: "string" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const full = values.full === true;
  const modes = (values.modes ?? DEFAULT_MODES.join(",")).split(",") as Mode[];
  for (const m of modes) if (!MODES.includes(m)) throw new Error(`--modes: unknown mode ${m}`);
  if (!modes.includes("direct")) throw new Error("--modes must include direct (everything is reported relative to it)");
  const producerProps: Record<string, string> = {};
  for (const kv of values["producer-prop"] ?? []) {
    const i = kv.indexOf("=");
    if (i <= 0) throw new Error(`--producer-prop ${kv}: expected key=value`);
    producerProps[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const fraction = Number(values["fixed-fraction"] ?? 0.5);
  if (!(fraction >= 0 && fraction <= 1)) throw new Error("--fixed-fraction must be between 0 and 1");
  if (values["fixed-only"] && values["fixed-rate"] === undefined) throw new Error("--fixed-only needs --fixed-rate");
  return {
    sizes: ints(values.sizes ?? (full ? "100,1024,16384" : "1024"), "--sizes"),
    topics: ints(values.topics ?? (full ? "1,10" : "1"), "--topics"),
    modes: MODES.filter((m) => modes.includes(m)),
    rounds: ints(values.rounds ?? "3", "--rounds")[0]!,
    records: values.records === undefined ? undefined : ints(values.records, "--records")[0]!,
    mbPerRun: ints(values.mb ?? "100", "--mb")[0]!,
    partitions: ints(values.partitions ?? "3", "--partitions")[0]!,
    fixedFraction: fraction,
    fixedRate: values["fixed-rate"] === undefined ? undefined : ints(values["fixed-rate"], "--fixed-rate")[0]!,
    fixedOnly: values["fixed-only"] === true,
    fixedSeconds: ints(values["fixed-seconds"] ?? (full ? "30" : "15"), "--fixed-seconds")[0]!,
    producerProps,
    json: values.json,
    profile: values.profile === true || values["profile-only"] === true,
    profileOnly: values["profile-only"] === true,
    proxyYaml: values["proxy-yaml"] ?? [],
    at: values.at,
  };
}

/** Records per max-throughput run for a record size. */
export function recordsFor(o: BenchOptions, size: number): number {
  return o.records ?? Math.max(10_000, Math.min(1_000_000, Math.round((o.mbPerRun * 1024 * 1024) / size)));
}
