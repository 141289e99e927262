import { homedir } from "node:os";
import { join } from "node:path";

/** Environment variable naming the local KMS key file when no path is configured. */
export const KEY_FILE_ENV = "KSEAL_LOCAL_KMS_FILE";

/**
 * Where the local KMS keeps its keys unless configured: $KSEAL_LOCAL_KMS_FILE, else
 * $XDG_CONFIG_HOME/kseal/local-kms.json, else ~/.config/kseal/local-kms.json — outside any
 * checkout, so KEKs are not committed by accident.
 */
export function defaultKeyFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[KEY_FILE_ENV];
  if (explicit) return explicit;
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "kseal", "local-kms.json");
}
