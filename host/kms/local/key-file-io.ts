/**
 * Disk side of the local KMS key file: owner-only permissions (file 0600, created directory
 * 0700), atomic replacement (write a temp file in the same directory, fsync, rename over, fsync
 * the directory) so a crash leaves the old or the new file and never half of one, and a lock file
 * so that two processes adding keys to one file do not lose each other's KEKs.
 */
import { randomBytes } from "node:crypto";
import { constants as fsc } from "node:fs";
import { mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { KsealError } from "../../errors.js";
import { LIMITS } from "../../limits.js";
import { log } from "../../log.js";

export interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

export async function fileIdentity(path: string): Promise<FileIdentity | undefined> {
  try {
    const s = await stat(path);
    return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
  } catch (e) {
    if (errno(e) === "ENOENT") return undefined;
    throw new KsealError("KMS_KEY_FILE", `cannot stat ${path}`, { cause: e });
  }
}

export function sameFile(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  if (!a || !b) return a === b;
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

const warnedLoose = new Set<string>();

/** Reads the key file; undefined when it does not exist yet. */
export async function readKeyFileText(path: string): Promise<{ text: string; id: FileIdentity } | undefined> {
  let fh;
  try {
    fh = await open(path, fsc.O_RDONLY);
  } catch (e) {
    if (errno(e) === "ENOENT") return undefined;
    throw new KsealError("KMS_KEY_FILE", `cannot open ${path}`, { cause: e });
  }
  try {
    const s = await fh.stat();
    if ((s.mode & 0o077) !== 0 && !warnedLoose.has(path)) {
      // A warning, not a refusal: mounted secrets (e.g. Kubernetes volumes) are often 0644.
      warnedLoose.add(path);
      log.warn({ path, mode: (s.mode & 0o777).toString(8) }, "local KMS key file is readable by group or others; chmod 600 it");
    }
    const text = await fh.readFile("utf8");
    return { text, id: { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs } };
  } catch (e) {
    throw new KsealError("KMS_KEY_FILE", `cannot read ${path}`, { cause: e });
  } finally {
    await fh.close();
  }
}

/** Replaces `path` with `text` atomically, mode 0600; creates missing directories with 0700. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new KsealError("KMS_KEY_FILE", `cannot create directory ${dir}`, { cause: e });
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let fh;
  try {
    fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  } catch (e) {
    throw new KsealError("KMS_KEY_FILE", `cannot create ${tmp}`, { cause: e });
  }
  try {
    try {
      await fh.chmod(0o600); // the umask cannot widen it, but be explicit
      await fh.writeFile(text, "utf8");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new KsealError("KMS_KEY_FILE", `cannot write ${path}`, { cause: e });
  }
  try {
    const d = await open(dir, fsc.O_RDONLY);
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename itself has happened.
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` holding `<path>.lock` (created O_EXCL). A lock older than localKmsStaleLockMs is taken
 * to be left by a crashed process and removed.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch(() => undefined);
  const deadline = Date.now() + LIMITS.localKmsLockTimeoutMs;
  for (;;) {
    try {
      const fh = await open(lock, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (e) {
      if (errno(e) !== "EEXIST") throw new KsealError("KMS_KEY_FILE", `cannot create lock ${lock}`, { cause: e });
    }
    try {
      const s = await stat(lock);
      if (Date.now() - s.mtimeMs > LIMITS.localKmsStaleLockMs) {
        log.warn({ lock }, "removing stale local KMS lock file");
        await unlink(lock).catch(() => undefined);
        continue;
      }
    } catch {
      continue; // released meanwhile
    }
    if (Date.now() > deadline) throw new KsealError("KMS_KEY_FILE", `${lock} is held by another process`);
    await sleep(25 + Math.random() * 50);
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}
