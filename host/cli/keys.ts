/**
 * `kseal keys ...`: manages the KEKs of the local KMS key file. Dispatched from the CLI's main
 * with the arguments after "keys". Never prints key material except through `export`.
 */
import { constants as fsc } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { isKsealError } from "../errors.js";
import { defaultKeyFilePath, KEY_FILE_ENV } from "../kms/local/default-path.js";
import { LocalKms, type KekInfo } from "../kms/local/local-kms.js";
import { formatKeyMaterial, parseKeyMaterial, type MaterialFormat } from "./keys-material.js";

export const KEYS_HELP = `Usage: kseal keys <command> [options]

Manages the key-encryption keys (KEKs) of kseal's local KMS. Listings never show key material.

Commands:
  create <alias>                  a new alias with a fresh KEK
  list [--json]                   KEK ids, aliases, creation times; * marks an alias's current KEK
  rotate <alias>                  a new current KEK for the alias; the old ones still decrypt
  import <alias> --id <uuid> --material <path|-> [--current]
                                  adds a KEK exported elsewhere: 32 raw bytes, 64 hex digits or
                                  base64 (- reads stdin); it becomes current for a new alias or
                                  with --current
  export <id> [--out <file>] [--format hex|base64|raw]
                                  writes a KEK's key material (default hex to stdout). SECRET:
                                  whoever holds it can unwrap every DEK wrapped under it
  passphrase --new-passphrase-env <VAR> | --remove
                                  protects the key file with a new passphrase, or removes it

Options:
  --key-file <path>         local KMS key file (default $${KEY_FILE_ENV}, else
                            $XDG_CONFIG_HOME/kseal/local-kms.json or ~/.config/kseal/local-kms.json)
  --passphrase-env <VAR>    environment variable holding the key file's passphrase; a key file
                            created with it set is protected
  -h, --help                this help
`;

export interface KeysIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

class UsageError extends Error {}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

function envValue(env: NodeJS.ProcessEnv, name: string | undefined, option: string): string | undefined {
  if (name === undefined) return undefined;
  const v = env[name];
  if (!v) throw new UsageError(`${option} ${name}: that environment variable is not set or empty`);
  return v;
}

function table(keks: KekInfo[]): string {
  if (keks.length === 0) return "no keys\n";
  const rows = keks.map((k) => [k.current ? "*" : " ", k.id, k.created, k.alias]);
  const head = [" ", "ID", "CREATED", "ALIAS"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n") + "\n";
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}`);
  return positionals[0]!;
}

async function run(argv: string[], io: KeysIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    io.stdout.write(KEYS_HELP);
    return command === undefined ? 1 : 0;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      "key-file": { type: "string" },
      "passphrase-env": { type: "string" },
      json: { type: "boolean" },
      id: { type: "string" },
      material: { type: "string" },
      current: { type: "boolean" },
      out: { type: "string" },
      format: { type: "string" },
      "new-passphrase-env": { type: "string" },
      remove: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(KEYS_HELP);
    return 0;
  }
  const known = ["create", "list", "rotate", "import", "export", "passphrase"];
  if (!known.includes(command)) throw new UsageError(`unknown keys command ${JSON.stringify(command)}`);
  const path = values["key-file"] ?? defaultKeyFilePath(io.env);
  const passphrase = envValue(io.env, values["passphrase-env"], "--passphrase-env");
  // Validate arguments before touching the key file.
  let material: Buffer | undefined;
  if (command === "import") {
    one(positionals, "alias");
    if (!values.id || !values.material) throw new UsageError("import needs --id <uuid> and --material <path|->");
    const raw = values.material === "-" ? await readAll(io.stdin) : await readFile(values.material).catch((e: unknown) => {
      throw new UsageError(`cannot read ${values.material}: ${(e as Error).message}`);
    });
    material = parseKeyMaterial(raw);
    raw.fill(0);
  }
  const format = (values.format ?? "hex") as MaterialFormat;
  if (!["hex", "base64", "raw"].includes(format)) throw new UsageError("--format must be hex, base64 or raw");
  const newPassphrase = envValue(io.env, values["new-passphrase-env"], "--new-passphrase-env");
  if (command === "passphrase" && (newPassphrase === undefined) === !values.remove) {
    throw new UsageError("passphrase needs exactly one of --new-passphrase-env <VAR> and --remove");
  }

  const kms = await LocalKms.open({ path, passphrase, autoCreate: false });
  try {
    switch (command) {
      case "create": {
        const k = await kms.createKek(one(positionals, "alias"));
        io.stdout.write(`created KEK ${k.id} for alias ${k.alias} in ${path}\n`);
        return 0;
      }
      case "rotate": {
        const k = await kms.rotate(one(positionals, "alias"));
        io.stdout.write(`alias ${k.alias} now uses KEK ${k.id}; older KEKs still decrypt\n`);
        return 0;
      }
      case "list": {
        const keks = await kms.list();
        io.stdout.write(values.json ? JSON.stringify(keks, null, 2) + "\n" : table(keks));
        return 0;
      }
      case "import": {
        try {
          const k = await kms.importKek(positionals[0]!, values.id!, material!, values.current ?? false);
          io.stdout.write(`imported KEK ${k.id} for alias ${k.alias}${k.current ? " (current)" : ""}\n`);
        } finally {
          material!.fill(0);
        }
        return 0;
      }
      case "export": {
        const id = one(positionals, "KEK id");
        const key = await kms.exportKek(id);
        const out = formatKeyMaterial(key, format);
        key.fill(0);
        io.stderr.write(`warning: this is the secret key material of KEK ${id}; whoever holds it can unwrap every DEK wrapped under it\n`);
        try {
          if (values.out) {
            const fh = await open(values.out, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600).catch((e: unknown) => {
              throw new UsageError(`cannot create ${values.out} (it must not exist yet): ${(e as Error).message}`);
            });
            try {
              await fh.writeFile(out);
            } finally {
              await fh.close();
            }
            out.fill(0);
          } else {
            // Not wiped afterwards: a stream may still hold this very Buffer.
            await new Promise<void>((resolve, reject) => io.stdout.write(out, (e) => (e ? reject(e) : resolve())));
          }
        } catch (e) {
          out.fill(0);
          throw e;
        }
        return 0;
      }
      case "passphrase": {
        await kms.setPassphrase(values.remove ? undefined : newPassphrase);
        io.stdout.write(values.remove ? `${path} is no longer passphrase-protected\n` : `${path} is protected by the new passphrase\n`);
        return 0;
      }
    }
  } finally {
    await kms.close();
  }
  return 1;
}

/** Runs `kseal keys <argv...>`; returns the exit code (0 ok, 1 error or usage error). */
export async function runKeysCommand(argv: string[], io: Partial<KeysIo> = {}): Promise<number> {
  const full: KeysIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    stdin: io.stdin ?? process.stdin,
    env: io.env ?? process.env,
  };
  try {
    return await run(argv, full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if (e instanceof UsageError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))) {
      full.stderr.write(`kseal keys: ${(e as Error).message}\n\n${KEYS_HELP}`);
    } else if (isKsealError(e)) {
      full.stderr.write(`kseal keys: ${e.code}: ${e.message}\n`);
    } else {
      full.stderr.write(`kseal keys: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    return 1;
  }
}
