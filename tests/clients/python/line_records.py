"""The line protocol shared by kseal's test clients: one record per line, "key<TAB>value", UTF-8,
with "<TAB>h1=v1,h2=v2" appended when the record has headers.

Both Python clients take the same commands and flags as kseal-franz (tests/rig/franz-go):

    produce --brokers H:P --topic T [--codec none|gzip|snappy|lz4|zstd] [--acks all|1|0]
        reads lines from stdin and produces them in order, then waits for every delivery.
    consume --brokers H:P --topic T[,T2...] --count N [--group G] [--read-committed] [--headers] [--timeout S]
        prints the first N records of the topics (from the start) as lines, with their headers
        when --headers is given.
    version
        prints the client's version(s) as one JSON object.

Exit status 0 on success, 1 on any client error (printed to stderr).
"""
import argparse
import sys


def parse_args(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["produce", "consume", "version"])
    ap.add_argument("--brokers", default="")
    ap.add_argument("--topic", default="")
    ap.add_argument("--codec", default="none", choices=["none", "gzip", "snappy", "lz4", "zstd"])
    ap.add_argument("--acks", default="all", choices=["all", "1", "0"])
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--group", default="")
    ap.add_argument("--read-committed", action="store_true")
    ap.add_argument("--headers", action="store_true")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds")
    args = ap.parse_args(argv)
    if args.command != "version" and (not args.brokers or not args.topic):
        ap.error("--brokers and --topic are required")
    if args.command == "consume" and args.count <= 0:
        ap.error("--count must be positive")
    return args


def read_records():
    """(key, value, headers) from stdin lines; headers is a list of (str, bytes) pairs."""
    out = []
    for raw in sys.stdin.buffer.read().split(b"\n"):
        if not raw:
            continue
        key, sep, rest = raw.partition(b"\t")
        if not sep:
            raise ValueError("line without a tab: %r" % raw[:80])
        value, _, field = rest.partition(b"\t")
        headers = []
        for h in field.split(b",") if field else []:
            k, _, v = h.partition(b"=")
            headers.append((k.decode("utf-8"), v))
        out.append((key, value, headers))
    return out


def write_record(key, value, headers=None):
    line = (key or b"") + b"\t" + (value or b"")
    if headers:
        line += b"\t" + b",".join(k.encode("utf-8") + b"=" + (v or b"") for k, v in headers)
    sys.stdout.buffer.write(line + b"\n")


def fail(err):
    sys.stderr.write("%s: %s\n" % (type(err).__name__, err))
    sys.exit(1)
