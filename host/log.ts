/**
 * The process-wide logger: pino, one JSON object per line on stdout.
 * Level comes from KSEAL_LOG_LEVEL (default "info"); config can change it at startup with setLogLevel.
 */
import { pino, type Logger } from "pino";

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

function levelFromEnv(): string {
  const v = process.env.KSEAL_LOG_LEVEL?.toLowerCase();
  return v && LEVELS.has(v) ? v : "info";
}

export const log: Logger = pino({ name: "kseal", level: levelFromEnv(), base: { pid: process.pid } });

export function setLogLevel(level: string): void {
  if (!LEVELS.has(level)) throw new Error(`unknown log level ${level}`);
  log.level = level;
}

export function isLogLevel(level: string): boolean {
  return LEVELS.has(level);
}

export type { Logger };
