// Command redrive replays a dead-letter queue into the function its
// messages failed in, once the cause is fixed (docs/operations.md,
// "Redrive"). Which function a queue belongs to, and how its messages
// replay, comes from template.yaml; the stack's physical names from
// CloudFormation.
//
//	go run ./infra/cmd/redrive -stack parley                       # the queues, their functions and depths
//	go run ./infra/cmd/redrive -stack parley -queue TranscriptDLQ  # replay it
//	go run ./infra/cmd/redrive -local -queue TranscriptDLQ         # the same against make dev
//
// A message is deleted only after its replay succeeded; -dry-run lists
// what would be replayed and changes nothing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/infra/localcloud/template"
	"github.com/parleychat/parley/infra/redrive"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "redrive:", err)
		os.Exit(1)
	}
}

func run() error {
	stack := flag.String("stack", "", "the deployed stack's name")
	local := flag.Bool("local", false, "use the local cloud (make dev) instead of a stack")
	addr := flag.String("addr", "http://127.0.0.1:3000", "the local cloud's URL (with -local)")
	queue := flag.String("queue", "", "logical id of the dead-letter queue to replay (TranscriptDLQ, …); none lists them")
	dryRun := flag.Bool("dry-run", false, "list the messages and what would be replayed, change nothing")
	limit := flag.Int("max", 0, "replay at most this many messages (0: all)")
	flag.Parse()
	if (*stack == "") == !*local {
		return errors.New("give -stack <name> or -local")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := localcloud.RepoRoot(wd)
	if err != nil {
		return err
	}
	m, err := template.Load(filepath.Join(root, "template.yaml"), template.Options{})
	if err != nil {
		return err
	}
	cfg, names, err := connect(ctx, *stack, *local, *addr, m)
	if err != nil {
		return err
	}
	q := sqs.NewFromConfig(cfg)
	if *queue == "" {
		return list(ctx, q, m, names)
	}
	target, err := redrive.For(m, *queue)
	if err != nil {
		return err
	}
	if target.Options.QueueURL, err = names(*queue); err != nil {
		return err
	}
	if target.Options.Function, err = names(target.Function); err != nil {
		return err
	}
	target.Options.DryRun, target.Options.Max = *dryRun, *limit
	r := redrive.New(q, lambda.NewFromConfig(cfg), dynamodbstreams.NewFromConfig(cfg))
	outcomes, err := r.Run(ctx, target.Options, func(o redrive.Outcome) {
		switch {
		case o.Err != nil:
			fmt.Printf("%s (%s): kept: %v\n", o.MessageID, o.Kind, o.Err)
		case o.Replayed:
			fmt.Printf("%s (%s): replayed into %s and deleted\n", o.MessageID, o.Kind, target.Function)
		default:
			fmt.Printf("%s (%s): would be replayed into %s\n", o.MessageID, o.Kind, target.Function)
		}
	})
	if err != nil {
		return err
	}
	failed := 0
	for _, o := range outcomes {
		if o.Err != nil {
			failed++
		}
	}
	fmt.Printf("%s: %d messages, %d kept\n", *queue, len(outcomes), failed)
	if failed > 0 {
		return fmt.Errorf("%d messages could not be replayed and stay in %s", failed, *queue)
	}
	return nil
}

// connect returns the AWS configuration and how to find a logical id's
// physical name: from CloudFormation for a stack, from the template for
// the local cloud (whose names derive from it).
func connect(ctx context.Context, stack string, local bool, addr string, m *template.Model) (aws.Config, func(string) (string, error), error) {
	if local {
		cfg := aws.Config{Region: m.Region, BaseEndpoint: aws.String(addr),
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
		return cfg, func(id string) (string, error) {
			if fn, ok := m.Functions[id]; ok {
				return fn.Name, nil
			}
			if q := m.Queue(id); q != nil {
				return q.URL, nil
			}
			return "", fmt.Errorf("%s is no function or queue of the template", id)
		}, nil
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return cfg, nil, err
	}
	cf := cloudformation.NewFromConfig(cfg)
	return cfg, func(id string) (string, error) {
		out, err := cf.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{StackName: aws.String(stack), LogicalResourceId: aws.String(id)})
		if err != nil {
			return "", fmt.Errorf("%s of stack %s: %w", id, stack, err)
		}
		return aws.ToString(out.StackResourceDetail.PhysicalResourceId), nil
	}, nil
}

// list prints every dead-letter queue, the function its messages failed
// in and how many wait.
func list(ctx context.Context, q *sqs.Client, m *template.Model, names func(string) (string, error)) error {
	for _, d := range redrive.Queues(m) {
		url, err := names(d.Queue)
		if err != nil {
			return err
		}
		out, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
		if err != nil {
			return fmt.Errorf("%s: %w", d.Queue, err)
		}
		fmt.Printf("%-22s %4s messages  <- %s (%s)\n", d.Queue, out.Attributes["ApproximateNumberOfMessages"], d.Function, d.Kinds)
	}
	return nil
}
