// kseal's node options (host/cli/node-flags.ts) on the launch paths: `npm start`, the
// container's ENTRYPOINT and the rig that starts kseal for the tests; and the log's hint when
// they are missing.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import t from "tap";
import { missingNodeFlags, NODE_FLAGS } from "../../../host/cli/node-flags.js";
import { spawnKsealCli } from "../../rig/kseal-cli.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (f: string) => readFileSync(root + f, "utf8");
const flags = NODE_FLAGS.join(" ");

t.test("npm start and the container pass the node options", async (t) => {
  const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
  t.match(pkg.scripts.start, `node ${flags} build/host/cli/main.js start`, "npm start");
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(read("Dockerfile"));
  t.ok(entry, "the Dockerfile has an exec-form ENTRYPOINT");
  t.same(JSON.parse(entry![1]!), ["node", ...NODE_FLAGS, "/opt/kseal/build/host/cli/main.js"], "the container's ENTRYPOINT");
});

t.test("missingNodeFlags names the options a process lacks", async (t) => {
  t.same(missingNodeFlags([...NODE_FLAGS, "--import", "tsx"]), []);
  t.same(missingNodeFlags(["--import", "tsx"]), [...NODE_FLAGS]);
});

t.test("the rig starts kseal with them, and kseal says when they are missing", async (t) => {
  const hint = /started without kseal's node options/;
  // No broker is needed to start: kseal connects upstream per client connection.
  const withFlags = await spawnKsealCli({ args: ["--target", "127.0.0.1:9", "--bootstrap-port", "0", "--no-encryption"] });
  t.teardown(() => withFlags.child.kill("SIGKILL"));
  t.notMatch(withFlags.output(), hint, "no hint from a proxy started by the rig");
  withFlags.child.kill("SIGTERM");
  t.equal(await withFlags.exited, 0);

  const without = await spawnKsealCli({ nodeFlags: [], args: ["--target", "127.0.0.1:9", "--bootstrap-port", "0", "--no-encryption"] });
  t.teardown(() => without.child.kill("SIGKILL"));
  t.match(without.output(), hint, "the hint from a proxy started without them");
  t.match(without.output(), "--initial-old-space-size=64", "naming the missing option");
  without.child.kill("SIGTERM");
  t.equal(await without.exited, 0);
});
