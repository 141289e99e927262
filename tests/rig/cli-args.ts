// Command line of the rig (`npm run rig -- <command> [options]`), parsed without side effects.

export const USAGE = `usage: npm run rig -- <command> [options]

commands:
  up       start a cluster and print its description as one JSON line (the last line of stdout)
  down     stop a cluster started by up, and delete its data
  status   print the JSON line of a running cluster (exit 1 when it is not running)
  list     print the names of running clusters
  tool     run a Kafka command-line tool against a running cluster:
             tool [--name N] <alias or main class> [args...]; "{bootstrap}" in args becomes the
             cluster's bootstrap list. Aliases: see tests/rig/kafka-tools.ts
  classpath  print the Kafka classpath (resolving it with mvn first if needed)

options:
  --name NAME              cluster name (default: dev)
  --brokers N              brokers, 1 to 9 (default: 1)
  --sasl                   add SASL_PLAINTEXT listeners (PLAIN, SCRAM-SHA-256/512; users alice, bob)
  --dedicated-controller   run the KRaft controller as its own node
  --full-jit               let broker JVMs compile with C2 (slower start; for benchmarks)
  --prop key=value         broker property for every node (repeatable)
  --owner-pid PID          stop the cluster when that process exits; with up and down it also
                           names the user (default: the CLI's parent process). A cluster that
                           several users brought up stays until the last of them runs down
  --force                  with down: stop the cluster even while other users remain
  --ttl-minutes M          stop the cluster after M minutes (default: 180; 0 = never)
  --kafka-version V        Kafka release from Maven Central (default: KSEAL_KAFKA_VERSION or 4.4.0)
  --all                    with down: stop every cluster
`;

export type Command = "up" | "down" | "status" | "list" | "tool" | "classpath" | "help";

export interface CliArgs {
  command: Command;
  name: string;
  brokers: number;
  sasl: boolean;
  dedicatedController: boolean;
  fullJit: boolean;
  props: Record<string, string>;
  ownerPid?: number;
  ttlMinutes: number;
  kafkaVersion?: string;
  all: boolean;
  force: boolean;
  /** For `tool`: the tool and its own arguments, passed through untouched. */
  rest: string[];
}

const COMMANDS: Command[] = ["up", "down", "status", "list", "tool", "classpath", "help"];

function int(flag: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}, got ${v}`);
  return n;
}

export function parseCliArgs(argv: string[]): CliArgs {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "--help" || cmd === "-h") return { ...defaults(), command: "help" };
  if (!COMMANDS.includes(cmd as Command)) throw new Error(`unknown command ${cmd}\n\n${USAGE}`);
  const args: CliArgs = { ...defaults(), command: cmd as Command };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (args.command === "tool" && !a.startsWith("--")) {
      args.rest = rest.slice(i);
      break;
    }
    switch (a) {
      case "--name":
        args.name = value();
        if (!/^[A-Za-z0-9._-]+$/.test(args.name)) throw new Error(`--name must be [A-Za-z0-9._-]+, got ${args.name}`);
        break;
      case "--brokers":
        args.brokers = int(a, value(), 1);
        if (args.brokers > 9) throw new Error("--brokers is at most 9");
        break;
      case "--sasl":
        args.sasl = true;
        break;
      case "--dedicated-controller":
        args.dedicatedController = true;
        break;
      case "--full-jit":
        args.fullJit = true;
        break;
      case "--prop": {
        const kv = value();
        const eq = kv.indexOf("=");
        if (eq <= 0) throw new Error(`--prop needs key=value, got ${kv}`);
        args.props[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      case "--owner-pid":
        args.ownerPid = int(a, value(), 1);
        break;
      case "--ttl-minutes":
        args.ttlMinutes = int(a, value(), 0);
        break;
      case "--kafka-version":
        args.kafkaVersion = value();
        break;
      case "--all":
        args.all = true;
        break;
      case "--force":
        args.force = true;
        break;
      default:
        throw new Error(`unknown option ${a}\n\n${USAGE}`);
    }
  }
  if (args.command === "tool" && args.rest.length === 0) throw new Error("tool needs a tool name or main class");
  return args;
}

function defaults(): Omit<CliArgs, "command"> {
  return {
    name: "dev",
    brokers: 1,
    sasl: false,
    dedicatedController: false,
    fullJit: false,
    props: {},
    ttlMinutes: 180,
    all: false,
    force: false,
    rest: [],
  };
}
