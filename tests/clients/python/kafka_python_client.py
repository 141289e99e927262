"""kafka-python (pure Python protocol code) as a kseal test client; see line_records.py for usage."""
import json
import sys
import time

from line_records import fail, parse_args, read_records, write_record


def produce(args):
    from kafka import KafkaProducer

    producer = KafkaProducer(
        bootstrap_servers=args.brokers.split(","),
        client_id="kseal-kafka-python",
        acks="all" if args.acks == "all" else int(args.acks),
        compression_type=None if args.codec == "none" else args.codec,
        # Gather every line into one batch, as the other clients do.
        linger_ms=100,
    )
    try:
        futures = [producer.send(args.topic, key=k, value=v, headers=h) for k, v, h in read_records()]
        producer.flush(timeout=args.timeout)
        for f in futures:
            f.get(timeout=args.timeout)
    finally:
        producer.close(timeout=5)


def consume(args):
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        *args.topic.split(","),
        bootstrap_servers=args.brokers.split(","),
        client_id="kseal-kafka-python",
        group_id=args.group or None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level="read_committed" if args.read_committed else "read_uncommitted",
    )
    try:
        got = 0
        deadline = time.monotonic() + args.timeout
        while got < args.count:
            if time.monotonic() > deadline:
                raise TimeoutError("read %d of %d records before the timeout" % (got, args.count))
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    if got < args.count:
                        write_record(r.key, r.value, r.headers if args.headers else None)
                        got += 1
    finally:
        sys.stdout.flush()
        consumer.close(autocommit=False)


def main():
    args = parse_args(sys.argv[1:])
    try:
        if args.command == "version":
            import kafka
            print(json.dumps({"kafka-python": kafka.__version__}))
        elif args.command == "produce":
            produce(args)
        else:
            consume(args)
    except Exception as e:  # every client error ends the run with status 1
        fail(e)


if __name__ == "__main__":
    main()
