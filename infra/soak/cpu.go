package soak

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"time"
)

// CPU is where the machine's CPU went during the load (not the audit):
// the function processes by function, and this process, which holds the
// soak's clients and, under `make soak`, the local cloud (a CPU profile,
// `-cpuprofile`, splits the two by pprof label).
type CPU struct {
	// Functions is the CPU time of each function's processes, by logical
	// id, with the invocations it served.
	Functions   map[string]time.Duration
	Invocations map[string]int64
	Process     time.Duration
}

func cpuOf(before, after Stats, process time.Duration) CPU {
	c := CPU{Functions: map[string]time.Duration{}, Invocations: diff1(before.Invocations, after.Invocations), Process: process}
	for fn, d := range after.FunctionCPU {
		if d -= before.FunctionCPU[fn]; d > 0 {
			c.Functions[fn] = d
		}
	}
	return c
}

// total is the functions' CPU time.
func (c CPU) total() time.Duration {
	var sum time.Duration
	for _, d := range c.Functions {
		sum += d
	}
	return sum
}

// print writes the CPU of the load: per chat message (the figure that
// maps to Lambda duration) and per invocation of each function.
func (c CPU) print(w io.Writer, messages int, wall time.Duration) {
	if messages == 0 || wall <= 0 {
		return
	}
	per := func(d time.Duration, n int64) string {
		if n == 0 {
			return "-"
		}
		return (d / time.Duration(n)).Round(10 * time.Microsecond).String()
	}
	fn := c.total()
	fmt.Fprintf(w, "  cpu                %s of CPU in %s of load on %d cores (%.0f%% of the machine): functions %s, this process (local cloud and clients) %s\n",
		(fn + c.Process).Round(10*time.Millisecond), wall.Round(10*time.Millisecond), runtime.NumCPU(),
		100*(fn+c.Process).Seconds()/(wall.Seconds()*float64(runtime.NumCPU())), fn.Round(10*time.Millisecond), c.Process.Round(10*time.Millisecond))
	fmt.Fprintf(w, "    per chat message: functions %s, this process %s\n", per(fn, int64(messages)), per(c.Process, int64(messages)))
	names := make([]string, 0, len(c.Functions))
	for name := range c.Functions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "    %-30s %8s  %s per invocation, %s per chat message\n", name, c.Functions[name].Round(10*time.Millisecond),
			per(c.Functions[name], c.Invocations[name]), per(c.Functions[name], int64(messages)))
	}
}
