package soak

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is the peak memory seen during a run, sampled twice a second.
type Memory struct {
	// HeapPeak is the Go heap in use of this process: the local cloud
	// (gateways, DynamoDB emulator) and the soak's own clients.
	HeapPeak uint64
	// RSSPeak is this process's resident set; FunctionsRSSPeak the sum of
	// the resident sets of its child processes (the function processes),
	// read from /proc where there is one.
	RSSPeak, FunctionsRSSPeak uint64
	FunctionProcs             int
}

type memorySampler struct {
	quit chan struct{}
	done chan struct{}
	mu   sync.Mutex
	m    Memory
}

func startMemory() *memorySampler {
	s := &memorySampler{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *memorySampler) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	self := os.Getpid()
	rss := rssOf(strconv.Itoa(self))
	kids, n := childrenRSS(self)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.HeapPeak = max(s.m.HeapPeak, ms.HeapInuse)
	s.m.RSSPeak = max(s.m.RSSPeak, rss)
	if kids > s.m.FunctionsRSSPeak {
		s.m.FunctionsRSSPeak, s.m.FunctionProcs = kids, n
	}
}

func (s *memorySampler) stop() Memory {
	close(s.quit)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m
}

// rssOf reads VmRSS of /proc/<pid>/status, in bytes; 0 without /proc.
func rssOf(pid string) uint64 {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "status"))
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// childrenRSS sums the resident sets of the processes whose parent is pid.
func childrenRSS(pid int) (uint64, int) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0
	}
	var sum uint64
	n := 0
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(pid) {
			continue
		}
		sum += rssOf(d.Name())
		n++
	}
	return sum, n
}
