// Command fn is the test function of lambdaemu: one binary whose behaviour
// each invocation's payload chooses, so the tests build it only once.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type request struct {
	Action  string   `json:"action"`
	Message string   `json:"message,omitempty"`
	SleepMS int      `json:"sleepMs,omitempty"`
	Env     []string `json:"env,omitempty"`
}

type response struct {
	Echo        *request          `json:"echo,omitempty"`
	PID         int               `json:"pid"`
	ChildPID    int               `json:"childPid,omitempty"`
	Env         map[string]string `json:"env,omitempty"`
	FunctionARN string            `json:"functionArn,omitempty"`
	RequestID   string            `json:"requestId,omitempty"`
	DeadlineMS  int64             `json:"deadlineInMs,omitempty"`
}

func handle(ctx context.Context, req request) (response, error) {
	resp := response{PID: os.Getpid()}
	switch req.Action {
	case "echo":
		resp.Echo = &req
	case "error":
		return resp, errors.New(req.Message)
	case "panic":
		panic(req.Message)
	case "exit":
		fmt.Println("exiting now:", req.Message)
		os.Exit(3)
	case "sleep":
		time.Sleep(time.Duration(req.SleepMS) * time.Millisecond)
	case "spin":
		// Busy until the process has used SleepMS of CPU time.
		for cpuTime() < time.Duration(req.SleepMS)*time.Millisecond {
			for range 100_000 {
				spins++
			}
		}
	case "env":
		resp.Env = map[string]string{}
		for _, k := range req.Env {
			if v, ok := os.LookupEnv(k); ok {
				resp.Env[k] = v
			}
		}
		lc, _ := lambdacontext.FromContext(ctx)
		resp.FunctionARN = lc.InvokedFunctionArn
		resp.RequestID = lc.AwsRequestID
		if d, ok := ctx.Deadline(); ok {
			resp.DeadlineMS = time.Until(d).Milliseconds()
		}
	case "spawn":
		self, err := os.Executable()
		if err != nil {
			return resp, err
		}
		child := exec.Command(self)
		child.Env = []string{"FN_CHILD_SLEEP=1"}
		if err := child.Start(); err != nil {
			return resp, err
		}
		resp.ChildPID = child.Process.Pid
	default:
		return resp, fmt.Errorf("unknown action %q", req.Action)
	}
	return resp, nil
}

// spins keeps the busy loop from being optimised away.
var spins int

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	if os.Getenv("FN_CHILD_SLEEP") != "" {
		time.Sleep(time.Minute)
		return
	}
	if msg := os.Getenv("FN_FAIL_INIT"); msg != "" {
		fmt.Fprintln(os.Stderr, "init failed:", msg)
		body := fmt.Sprintf(`{"errorMessage":%q,"errorType":"Runtime.InitError"}`, msg)
		url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
		if resp, err := http.Post(url, "application/json", bytes.NewBufferString(body)); err == nil {
			resp.Body.Close()
		}
		os.Exit(2)
	}
	lambda.Start(handle)
}
