package distributed

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The nats queues are the broker a team would deploy: Debian's nats-server
// run by the master (natsserver.go), in the master's namespace, the shared
// secret as its token. Tasks and results are 16-byte messages.
//
//	nats            core NATS: the master publishes each task on
//	                subjTasks, workers take them in one queue group (each
//	                task goes to one member) and publish results on
//	                subjResults. At most once: a task pushed to a worker
//	                that dies is gone.
//	nats-jetstream  tasks go into a work-queue stream on disk; workers pull
//	                from one durable consumer and ack each task explicitly
//	                after publishing its result. A task not acked within
//	                Config.AckWait is delivered again, to any worker: nothing is
//	                lost, and a task may be run twice.

const (
	subjTasks   = "concbench.dist.tasks"
	subjResults = "concbench.dist.results"
	streamName  = "CONCBENCH_DIST"
	consumer    = "workers"
)

type natsMaster struct {
	*queues
	srv *natsServer
	nc  *nats.Conn
	js  jetstream.JetStream
	buf [16]byte
}

func startNATS(listen string, cfg Config) (*natsMaster, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("dist: nats: listen %q: %w", listen, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("dist: nats: listen %q: port: %w", listen, err)
	}
	m := &natsMaster{queues: newQueues()}
	if m.srv, err = startNATSServer(host, p, cfg); err != nil {
		return nil, err
	}
	if err := m.connect(cfg); err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

// connect is the master's client: it subscribes to results and, for
// JetStream, makes the stream and the consumer workers pull from.
func (m *natsMaster) connect(cfg Config) error {
	nc, err := nats.Connect(m.addr(), nats.Token(cfg.Secret), nats.NoReconnect())
	if err != nil {
		return fmt.Errorf("dist: nats master: %w (nats-server: %s)", err, oneLine(m.srv.c.Stderr()))
	}
	m.nc = nc
	sub, err := nc.Subscribe(subjResults, func(msg *nats.Msg) {
		if len(msg.Data) < 16 {
			return
		}
		// A JetStream worker appends how many times the task was
		// delivered: the stream's own count of redeliveries is only of
		// those not yet acked.
		if len(msg.Data) == 24 && binary.LittleEndian.Uint64(msg.Data[16:]) > 1 {
			m.redo.Add(1)
		}
		m.result(getPair(msg.Data))
	})
	if err != nil {
		return fmt.Errorf("dist: nats results: %w", err)
	}
	sub.SetPendingLimits(-1, -1) // the collector keeps up; never drop a result here
	if cfg.Queue != JetStream {
		return nc.Flush()
	}
	if m.js, err = jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(queueCap)); err != nil {
		return fmt.Errorf("dist: jetstream: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := m.js.CreateStream(ctx, jetstream.StreamConfig{Name: streamName, Subjects: []string{subjTasks},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage})
	if err != nil {
		return fmt.Errorf("dist: jetstream stream: %w", err)
	}
	_, err = s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: consumer,
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: cfg.AckWait, MaxAckPending: -1})
	if err != nil {
		return fmt.Errorf("dist: jetstream consumer: %w", err)
	}
	return nil
}

func (m *natsMaster) addr() string { return m.srv.addr }

// clients leaves out the master's own connection.
// clients are the workers: the broker's clients but the master's own
// connection, and for core NATS only those subscribed to the tasks.
func (m *natsMaster) clients() int {
	self, err := m.nc.GetClientID()
	if err != nil {
		return 0
	}
	return m.srv.clients(self, m.js == nil)
}

// cpuTime is the master's CPU and its broker's.
func (m *natsMaster) cpuTime() (time.Duration, error) {
	self, err := selfCPU()
	if err != nil {
		return 0, err
	}
	srv, err := m.srv.cpu()
	return self + srv, err
}

func (m *natsMaster) put(seq, arg uint64) error {
	if m.js == nil {
		putPair(m.buf[:], pair{seq, arg})
		return m.nc.Publish(subjTasks, m.buf[:]) // copied into the connection's buffer
	}
	data := make([]byte, 16) // held until the stream acks it
	putPair(data, pair{seq, arg})
	for {
		_, err := m.js.PublishAsync(subjTasks, data)
		if !errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
			if err != nil {
				return fmt.Errorf("dist: jetstream put task %d: %w", seq, err)
			}
			return nil
		}
		<-m.js.PublishAsyncComplete()
	}
}

func (m *natsMaster) close() error {
	close(m.done)
	if m.nc != nil {
		m.nc.Close()
	}
	return m.srv.close()
}

// natsWorker serves tasks until its stdin closes. Reconnection is off: a
// reconnect would dial from whatever thread runs it, outside the host's
// namespace (and past a downed link).
func natsWorker(cfg Config, addr string, do step, ready func() error) error {
	closed := make(chan struct{})
	nc, err := nats.Connect(addr, nats.Token(cfg.Secret), nats.NoReconnect(),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		return fmt.Errorf("nats connect: %w", err)
	}
	defer nc.Close()
	var mu sync.Mutex // one task at a time, as every other worker
	var failed error
	// run publishes the result of one task; delivered (JetStream's count,
	// 0 for core NATS) goes with it.
	run := func(data []byte, delivered uint64) bool {
		mu.Lock()
		defer mu.Unlock()
		if len(data) != 16 || failed != nil {
			return false
		}
		t := getPair(data)
		v, send, err := do(t.b)
		if err != nil {
			failed = err
		}
		if !send || err != nil {
			return false
		}
		var out [24]byte
		putPair(out[:], pair{t.a, v})
		n := 16
		if delivered > 0 {
			binary.LittleEndian.PutUint64(out[16:], delivered)
			n = 24
		}
		return nc.Publish(subjResults, out[:n]) == nil
	}
	if cfg.Queue == JetStream {
		return jetstreamWorker(nc, cfg.PullExpiry, run, ready, closed)
	}
	sub, err := nc.QueueSubscribe(subjTasks, consumer, func(msg *nats.Msg) { run(msg.Data, 0) })
	if err != nil {
		return fmt.Errorf("nats subscribe: %w", err)
	}
	sub.SetPendingLimits(-1, -1)
	if err := nc.Flush(); err != nil { // the server has the subscription
		return fmt.Errorf("nats flush: %w", err)
	}
	if err := ready(); err != nil {
		return err
	}
	<-closed // the master's server has gone: the run is over
	mu.Lock()
	defer mu.Unlock()
	return failed
}

func jetstreamWorker(nc *nats.Conn, expiry time.Duration, run func([]byte, uint64) bool, ready func() error, closed <-chan struct{}) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// A worker may connect between the server's start and the master's
	// making the stream: wait for it.
	c, err := js.Consumer(ctx, streamName, consumer)
	for errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrConsumerNotFound) {
		time.Sleep(20 * time.Millisecond)
		c, err = js.Consumer(ctx, streamName, consumer)
	}
	if err != nil {
		return fmt.Errorf("jetstream consumer: %w", err)
	}
	// The result is published before the ack: a worker that dies between
	// the two makes a duplicate result, never a lost one.
	// Pull requests expire after Config.PullExpiry: those of a worker that has
	// died or been cut off stop attracting redeliveries after that.
	cc, err := c.Consume(func(msg jetstream.Msg) {
		var delivered uint64 = 1
		if md, err := msg.Metadata(); err == nil {
			delivered = md.NumDelivered
		}
		if run(msg.Data(), delivered) {
			msg.Ack()
		}
	}, jetstream.PullExpiry(expiry))
	if err != nil {
		return fmt.Errorf("jetstream consume: %w", err)
	}
	defer cc.Stop()
	if err := ready(); err != nil {
		return err
	}
	<-closed
	return nil
}
