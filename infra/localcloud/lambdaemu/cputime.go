package lambdaemu

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat
// (sysconf(_SC_CLK_TCK), 100 on every Linux this runs on).
const clockTick = 10 * time.Millisecond

// exitedCPU is the CPU time (user + system, all threads) an exited
// process used, from its rusage.
func (p *process) exitedCPU() time.Duration {
	if p.cmd == nil || p.cmd.ProcessState == nil {
		return 0
	}
	return p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
}

// liveCPU is the CPU time a running process has used so far, from
// /proc/<pid>/stat; 0 where there is no /proc.
func (p *process) liveCPU() time.Duration {
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/stat")
	if err != nil {
		return 0
	}
	return statCPU(b)
}

// statCPU reads utime + stime from the text of /proc/<pid>/stat.
func statCPU(stat []byte) time.Duration {
	// pid (comm) state ppid …: comm may hold spaces, so count after ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(stat[i+1:]))
	// After ')' field 0 is state (3rd of the line); utime is the 14th
	// of the line, stime the 15th.
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * clockTick
}
