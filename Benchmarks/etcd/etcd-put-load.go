// etcd-put-load: closed-loop put load against one etcd member, using etcd's
// own Go client (clientv3), the same client library etcd's tools/benchmark
// uses. Built by measure-etcd.sh from Debian's golang-go and
// golang-etcd-server-dev (GOPATH mode, no module downloads).
//
// N clients (goroutines), sharing --conns gRPC connections round-robin, each
// loop: pick one of --keys keys at random, Put it, wait for the reply, repeat.
// Throughput = replies received inside the measurement window (after the
// warm-up) / window length; latency percentiles are over requests both issued
// and answered inside the window. Prints one JSON object on stdout.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"net"
	"os"
	"sort"
	"sync"
	"syscall"
	"time"

	"go.etcd.io/etcd/clientv3"
	pb "go.etcd.io/etcd/etcdserver/etcdserverpb"
	"google.golang.org/grpc"
)

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// nullKV answers every Put at once: used by --self-test to measure this
// client's own ceiling (it shares the process and the CPUs with the client,
// so the figure is a lower bound of the ceiling).
type nullKV struct{}

func (nullKV) Range(context.Context, *pb.RangeRequest) (*pb.RangeResponse, error) {
	return &pb.RangeResponse{Header: &pb.ResponseHeader{}}, nil
}
func (nullKV) DeleteRange(context.Context, *pb.DeleteRangeRequest) (*pb.DeleteRangeResponse, error) {
	return &pb.DeleteRangeResponse{Header: &pb.ResponseHeader{}}, nil
}
func (nullKV) Txn(context.Context, *pb.TxnRequest) (*pb.TxnResponse, error) {
	return &pb.TxnResponse{Header: &pb.ResponseHeader{}}, nil
}
func (nullKV) Compact(context.Context, *pb.CompactionRequest) (*pb.CompactionResponse, error) {
	return &pb.CompactionResponse{Header: &pb.ResponseHeader{}}, nil
}

func (nullKV) Put(context.Context, *pb.PutRequest) (*pb.PutResponse, error) {
	return &pb.PutResponse{Header: &pb.ResponseHeader{}}, nil
}

func startNullServer(addr string) string {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(2)
	}
	s := grpc.NewServer()
	pb.RegisterKVServer(s, nullKV{})
	go s.Serve(l)
	return l.Addr().String()
}

func main() {
	endpoint := flag.String("endpoint", "127.0.0.1:2379", "host:port of the member to load")
	clients := flag.Int("clients", 64, "concurrent closed-loop clients")
	conns := flag.Int("conns", 1, "gRPC connections shared by the clients")
	warmup := flag.Duration("warmup", time.Second, "warm-up before the window")
	duration := flag.Duration("duration", 4*time.Second, "measurement window")
	keys := flag.Int("keys", 1000, "distinct keys")
	keySize := flag.Int("key-size", 8, "key size in bytes")
	valSize := flag.Int("val-size", 16, "value size in bytes")
	selfTest := flag.Bool("self-test", false, "drive an in-process null KV server instead of etcd")
	serve := flag.String("serve-null", "", "only serve the null KV server on this host:port (to measure other clients)")
	flag.Parse()
	if *serve != "" {
		startNullServer(*serve)
		select {}
	}
	if *selfTest {
		*endpoint = startNullServer("127.0.0.1:0")
	}

	cfg := clientv3.Config{
		Endpoints:   []string{*endpoint},
		DialTimeout: 5 * time.Second,
	}
	cls := make([]*clientv3.Client, *conns)
	for i := range cls {
		c, err := clientv3.New(cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "connect:", err)
			os.Exit(2)
		}
		cls[i] = c
	}
	value := string(make([]byte, *valSize))
	keyList := make([]string, *keys)
	for k := range keyList {
		keyList[k] = fmt.Sprintf("k%0*d", *keySize-1, k)
	}
	for _, c := range cls { // connect before the clock starts
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if _, err := c.Put(ctx, keyList[0], value); err != nil {
			fmt.Fprintln(os.Stderr, "first put:", err)
			os.Exit(2)
		}
		cancel()
	}

	cpu0 := cpuSeconds()
	start := time.Now()
	tMeas := start.Add(*warmup)
	tEnd := tMeas.Add(*duration)
	type res struct {
		lat          []int64
		total, inWin int
		errors       int
	}
	out := make([]res, *clients)
	var wg sync.WaitGroup
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rnd := rand.New(rand.NewSource(int64(i + 1)))
			c := cls[i%len(cls)]
			r := &out[i]
			r.lat = make([]int64, 0, 1<<14)
			for {
				t0 := time.Now()
				if !t0.Before(tEnd) {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := c.Put(ctx, keyList[rnd.Intn(*keys)], value)
				cancel()
				if err != nil {
					r.errors++
					continue
				}
				t1 := time.Now()
				r.total++
				if !t1.Before(tMeas) && !t1.After(tEnd) {
					r.inWin++
					if !t0.Before(tMeas) {
						r.lat = append(r.lat, t1.Sub(t0).Nanoseconds())
					}
				}
			}
		}(i)
	}
	wg.Wait()
	cpu := cpuSeconds() - cpu0

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	last, err := cls[0].Put(ctx, keyList[0], value)
	cancel()
	rev := int64(-1)
	if err == nil {
		rev = last.Header.Revision
	}
	for _, c := range cls {
		c.Close()
	}

	var lat []int64
	total, inWin, errors := 0, 0, 0
	for _, r := range out {
		lat = append(lat, r.lat...)
		total += r.total
		inWin += r.inWin
		errors += r.errors
	}
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return -1
		}
		i := int(p / 100 * float64(len(lat)))
		if i >= len(lat) {
			i = len(lat) - 1
		}
		return float64(lat[i]) / 1e3
	}
	maxUs := -1.0
	if len(lat) > 0 {
		maxUs = float64(lat[len(lat)-1]) / 1e3
	}
	json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
		"client":               "go-clientv3",
		"clients":              *clients,
		"conns":                *conns,
		"window_s":             duration.Seconds(),
		"ops_in_window":        inWin,
		"ops_per_s":            float64(inWin) / duration.Seconds(),
		"latency_samples":      len(lat),
		"p50_us":               pct(50),
		"p99_us":               pct(99),
		"max_us":               maxUs,
		"errors":               errors,
		"puts_total":           total,
		"final_revision":       rev,
		"client_cpu_s":         cpu,
		"client_cpu_us_per_op": cpu * 1e6 / float64(max(1, total)),
	})
	if errors > 0 || len(lat) == 0 {
		os.Exit(1)
	}
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}
