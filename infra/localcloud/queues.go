package localcloud

import (
	"context"
	"errors"
	"fmt"

	"github.com/parleychat/parley/infra/localcloud/eventbus"
	"github.com/parleychat/parley/infra/localcloud/lambdaemu"
	"github.com/parleychat/parley/infra/localcloud/sqsemu"
)

// startQueues starts the local SQS with the template's queues and Lambda's
// event queue, which retries the functions' asynchronous invocations and
// sends those that fail every attempt to the function's dead-letter queue
// (docs/local-cloud.md, "Dead letters").
func (c *Cloud) startQueues() {
	c.sqs = sqsemu.New(c.model.Queues, c.Now)
	c.async = lambdaemu.NewAsync(c.runtime, c.sqs, lambdaemu.AsyncOptions{Logger: c.log})
}

// configureAsync gives the event queue each function's EventInvokeConfig
// and DeadLetterQueue.
func (c *Cloud) configureAsync() {
	for _, fn := range c.model.Functions {
		c.async.Configure(fn.Name, lambdaemu.AsyncConfig{
			ARN: fn.ARN, MaxRetries: fn.Async.MaxRetries, MaxEventAge: fn.Async.MaxEventAge,
			DeadLetter: fn.Async.DeadLetterARN, OnFailure: fn.Async.OnFailureARN,
		})
	}
}

// invokeAsync runs an asynchronous invocation of a function (by logical
// id) to its end, as the services that invoke functions asynchronously
// (SES receipt rules, SNS) hand events to Lambda: nil when an attempt
// succeeded, else the *lambdaemu.AsyncFailure (the event went to the
// function's dead-letter queue) or why Lambda refused the event.
func (c *Cloud) invokeAsync(ctx context.Context, logicalID string, payload []byte) error {
	fn, ok := c.model.Functions[logicalID]
	if !ok {
		return fmt.Errorf("no function %s in the template", logicalID)
	}
	return c.async.Invoke(ctx, fn.Name, payload)
}

// asyncInvoker is how EventBridge invokes its targets: asynchronously. A
// target that failed every attempt was delivered all the same: its
// failure is reported as an eventbus.TargetFailed.
type asyncInvoker struct{ c *Cloud }

func (a asyncInvoker) Invoke(ctx context.Context, logicalID string, payload []byte) ([]byte, error) {
	err := a.c.invokeAsync(ctx, logicalID, payload)
	var fail *lambdaemu.AsyncFailure
	if errors.As(err, &fail) {
		return nil, &eventbus.TargetFailed{DeadLetter: fail.Destination, Err: err}
	}
	return nil, err
}

// SQS is the local SQS, for tests that read the dead-letter queues.
func (c *Cloud) SQS() *sqsemu.Server { return c.sqs }
