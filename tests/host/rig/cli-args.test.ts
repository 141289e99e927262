import t from "tap";
import { parseCliArgs } from "../../rig/cli-args.js";

t.test("up with every option", async (t) => {
  const a = parseCliArgs([
    "up", "--brokers", "3", "--name", "npm-test", "--sasl", "--dedicated-controller", "--full-jit",
    "--prop", "message.max.bytes=2000000", "--prop", "a=b=c", "--owner-pid", "42", "--ttl-minutes", "0",
    "--kafka-version", "4.3.1",
  ]);
  t.equal(a.command, "up");
  t.equal(a.brokers, 3);
  t.equal(a.name, "npm-test");
  t.ok(a.sasl);
  t.ok(a.dedicatedController);
  t.ok(a.fullJit);
  t.same(a.props, { "message.max.bytes": "2000000", a: "b=c" });
  t.equal(a.ownerPid, 42);
  t.equal(a.ttlMinutes, 0);
  t.equal(a.kafkaVersion, "4.3.1");
});

t.test("defaults", async (t) => {
  const a = parseCliArgs(["down"]);
  t.equal(a.name, "dev");
  t.notOk(a.force);
  t.ok(parseCliArgs(["down", "--force"]).force);
  t.equal(a.brokers, 1);
  t.equal(a.ttlMinutes, 180);
  t.notOk(a.all);
  t.notOk(a.fullJit);
  t.equal(parseCliArgs([]).command, "help");
  t.equal(parseCliArgs(["--help"]).command, "help");
});

t.test("tool passes everything after the tool name through", async (t) => {
  const a = parseCliArgs(["tool", "--name", "x", "topics", "--bootstrap-server", "{bootstrap}", "--list", "--name", "y"]);
  t.equal(a.name, "x");
  t.same(a.rest, ["topics", "--bootstrap-server", "{bootstrap}", "--list", "--name", "y"]);
  t.throws(() => parseCliArgs(["tool", "--name", "x"]), /tool name/);
});

t.test("bad input is refused with a reason", async (t) => {
  t.throws(() => parseCliArgs(["start"]), /unknown command start/);
  t.throws(() => parseCliArgs(["up", "--brokers", "0"]), /integer >= 1/);
  t.throws(() => parseCliArgs(["up", "--brokers", "10"]), /at most 9/);
  t.throws(() => parseCliArgs(["up", "--brokers"]), /needs a value/);
  t.throws(() => parseCliArgs(["up", "--name", "../etc"]), /--name/);
  t.throws(() => parseCliArgs(["up", "--prop", "novalue"]), /key=value/);
  t.throws(() => parseCliArgs(["up", "--bogus"]), /unknown option --bogus/);
});
