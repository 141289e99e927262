/**
 * Makes the Dockerfile's base image locally, since none can be pulled here: a
 * `debootstrap --variant=minbase bookworm` root filesystem plus this machine's Node 20 (node and
 * npm), imported with `podman import` under the tag the Dockerfile's FROM names. The root
 * filesystem is cached in ~/.cache/kseal-rig/; the image stays in podman's store.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const PODMAN_RUNTIME = ["--runtime", "runc"];
export const ULIMITS = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=1024:1024"];

function has(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Why the container test cannot run here, or undefined. */
export function containerUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return "container test needs root (podman with runc as root)";
  for (const c of ["podman", "runc", "debootstrap"]) if (!has(c)) return `${c} is not installed (apt-get install podman runc debootstrap)`;
  if (!process.version.startsWith("v20.")) return `the base image copies this machine's Node, which is ${process.version}, not 20`;
  return undefined;
}

/** The image the Dockerfile's first FROM uses (ARG NODE_IMAGE's default). */
export function dockerfileBaseImage(dockerfile: string): string {
  const m = /^ARG NODE_IMAGE=(\S+)/m.exec(readFileSync(dockerfile, "utf8"));
  if (!m) throw new Error("Dockerfile has no ARG NODE_IMAGE default");
  return m[1]!;
}

export function imageExists(tag: string): boolean {
  try {
    execFileSync("podman", ["image", "exists", tag], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function ensureBaseImage(tag: string, log: (s: string) => void): void {
  if (imageExists(tag)) return;
  const cache = join(homedir(), ".cache", "kseal-rig");
  const rootfs = join(cache, "bookworm-minbase");
  if (!existsSync(join(rootfs, "usr/bin/apt"))) {
    log("debootstrap --variant=minbase bookworm (a few minutes, once)");
    rmSync(rootfs, { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    execFileSync("debootstrap", ["--variant=minbase", "bookworm", rootfs, "http://deb.debian.org/debian"], { stdio: "ignore", timeout: 1_200_000 });
  }
  const stage = join(cache, "node20-rootfs");
  rmSync(stage, { recursive: true, force: true });
  execFileSync("cp", ["-a", rootfs, stage]);
  const node = realpathSync(process.execPath);
  cpSync(node, join(stage, "usr/local/bin/node"));
  const npmDir = realpathSync(join(node, "..", "..", "lib", "node_modules", "npm"));
  cpSync(npmDir, join(stage, "usr/local/lib/node_modules/npm"), { recursive: true });
  symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(stage, "usr/local/bin/npm"));
  symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(stage, "usr/local/bin/npx"));
  // The machine's trust store (registries may be reached through a TLS-inspecting proxy whose CA
  // only this machine trusts), for npm in the build stages; a site's own base image does the same.
  const bundle = "/etc/ssl/certs/ca-certificates.crt";
  let change = `--change 'CMD ["node"]'`;
  if (existsSync(bundle)) {
    mkdirSync(join(stage, "etc/ssl/certs"), { recursive: true });
    cpSync(bundle, join(stage, bundle.slice(1)));
    change += ` --change 'ENV NODE_EXTRA_CA_CERTS=${bundle}'`;
  }
  rmSync(join(stage, "var/cache/apt/archives"), { recursive: true, force: true });
  log(`podman import → ${tag}`);
  execFileSync("sh", ["-c", `tar -C '${stage}' -c . | podman import ${change} - '${tag}'`], { stdio: "ignore", timeout: 600_000 });
  rmSync(stage, { recursive: true, force: true });
}
