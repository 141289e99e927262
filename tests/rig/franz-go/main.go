// kseal-franz: a franz-go client for kseal's tests. It speaks the newest protocol versions Kafka
// offers (Produce with topic IDs, flexible Fetch), unlike kcat's librdkafka 2.0 and kafkajs.
//
//	kseal-franz produce -brokers H:P,... -topic T [-codec none|gzip|snappy|lz4|zstd] [-acks all|1|0]
//	                    [-txn ID [-abort]] [-sasl plain|scram-sha-256|scram-sha-512 -user U -pass P]
//	    reads "key<TAB>value[<TAB>h1=v1,h2=v2]" lines from stdin and produces them in order (with
//	    those headers), all in one transaction with -txn (aborted instead of committed with -abort).
//	kseal-franz consume -brokers H:P,... -topic T[,T2...] -count N [-group G [-commit]] [-read-committed] [-headers] [-timeout 60s] [sasl flags]
//	    prints the first N records as "key<TAB>value" lines, from the start of the topics (with
//	    -headers, "<TAB>h1=v1,h2=v2" appended when a record has headers); with -commit, commits
//	    the group's offsets of what it read before leaving.
//
// Exit status 0 on success, 1 on any client error (printed to stderr).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

type common struct {
	brokers, topic, sasl, user, pass string
	timeout                          time.Duration
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.brokers, "brokers", "", "comma-separated bootstrap host:port list")
	fs.StringVar(&c.topic, "topic", "", "topic")
	fs.StringVar(&c.sasl, "sasl", "", "SASL mechanism: plain, scram-sha-256 or scram-sha-512")
	fs.StringVar(&c.user, "user", "", "SASL user")
	fs.StringVar(&c.pass, "pass", "", "SASL password")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "give up after this long")
}

func (c *common) opts() ([]kgo.Opt, error) {
	if c.brokers == "" || c.topic == "" {
		return nil, errors.New("-brokers and -topic are required")
	}
	opts := []kgo.Opt{kgo.SeedBrokers(strings.Split(c.brokers, ",")...), kgo.ClientID("kseal-franz")}
	switch c.sasl {
	case "":
	case "plain":
		opts = append(opts, kgo.SASL(plain.Auth{User: c.user, Pass: c.pass}.AsMechanism()))
	case "scram-sha-256":
		opts = append(opts, kgo.SASL(scram.Auth{User: c.user, Pass: c.pass}.AsSha256Mechanism()))
	case "scram-sha-512":
		opts = append(opts, kgo.SASL(scram.Auth{User: c.user, Pass: c.pass}.AsSha512Mechanism()))
	default:
		return nil, fmt.Errorf("unknown SASL mechanism %q", c.sasl)
	}
	return opts, nil
}

func codec(name string) (kgo.CompressionCodec, error) {
	switch name {
	case "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("unknown codec %q", name)
}

func produce(args []string) error {
	fs := flag.NewFlagSet("produce", flag.ContinueOnError)
	var c common
	c.register(fs)
	codecName := fs.String("codec", "none", "compression codec")
	acks := fs.String("acks", "all", "all, 1 or 0")
	txn := fs.String("txn", "", "transactional id: produce everything in one transaction")
	abort := fs.Bool("abort", false, "with -txn: abort the transaction instead of committing it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts, err := c.opts()
	if err != nil {
		return err
	}
	cc, err := codec(*codecName)
	if err != nil {
		return err
	}
	opts = append(opts, kgo.ProducerBatchCompression(cc), kgo.DefaultProduceTopic(c.topic), kgo.RecordDeliveryTimeout(c.timeout))
	switch *acks {
	case "all":
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	case "1":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	case "0":
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	default:
		return fmt.Errorf("unknown acks %q", *acks)
	}
	if *txn != "" {
		opts = append(opts, kgo.TransactionalID(*txn))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()

	var records []*kgo.Record
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		key, value, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("line without a tab: %q", line)
		}
		value, hfield, _ := strings.Cut(value, "\t")
		rec := &kgo.Record{Key: []byte(key), Value: []byte(value)}
		if hfield != "" {
			for _, h := range strings.Split(hfield, ",") {
				k, v, _ := strings.Cut(h, "=")
				rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: k, Value: []byte(v)})
			}
		}
		records = append(records, rec)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if *txn != "" {
		if err := cl.BeginTransaction(); err != nil {
			return err
		}
	}
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return err
	}
	if *txn != "" {
		return cl.EndTransaction(ctx, kgo.TransactionEndTry(!*abort))
	}
	return nil
}

func consume(args []string) error {
	fs := flag.NewFlagSet("consume", flag.ContinueOnError)
	var c common
	c.register(fs)
	count := fs.Int("count", 0, "records to read")
	group := fs.String("group", "", "consumer group (default: none, assign all partitions)")
	readCommitted := fs.Bool("read-committed", false, "skip aborted transactional records")
	commit := fs.Bool("commit", false, "commit the group's offsets of the records read (needs -group)")
	headers := fs.Bool("headers", false, "print each record's headers after its value")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts, err := c.opts()
	if err != nil {
		return err
	}
	if *count <= 0 {
		return errors.New("-count must be positive")
	}
	if *commit && *group == "" {
		return errors.New("-commit needs -group")
	}
	opts = append(opts, kgo.ConsumeTopics(strings.Split(c.topic, ",")...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if *group != "" {
		opts = append(opts, kgo.ConsumerGroup(*group))
	}
	if *commit {
		opts = append(opts, kgo.DisableAutoCommit())
	}
	if *readCommitted {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()

	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	got := 0
	for got < *count {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("read %d of %d records before the timeout", got, *count)
		}
		for _, fe := range fetches.Errors() {
			return fmt.Errorf("fetch %s[%d]: %w", fe.Topic, fe.Partition, fe.Err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			if got < *count {
				fmt.Fprintf(out, "%s\t%s", r.Key, r.Value)
				if *headers && len(r.Headers) > 0 {
					hs := make([]string, len(r.Headers))
					for i, h := range r.Headers {
						hs[i] = h.Key + "=" + string(h.Value)
					}
					fmt.Fprintf(out, "\t%s", strings.Join(hs, ","))
				}
				fmt.Fprintln(out)
				got++
			}
		})
	}
	if *commit {
		return cl.CommitUncommittedOffsets(ctx)
	}
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kseal-franz produce|consume [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "produce":
		err = produce(os.Args[2:])
	case "consume":
		err = consume(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kseal-franz:", err)
		os.Exit(1)
	}
}
