// Command reports-backfill recomputes the reports' rollups of a date range
// from the conversations' seq streams (docs/reports.md, "Backfill"), after
// a fix or a new metric. The table and the account's time zone are
// ReportsFunction's own: from the deployed function's configuration, or
// from template.yaml for the local cloud.
//
//	go run ./infra/cmd/reports-backfill -stack parley -from 2026-09-01 -to 2026-11-30
//	go run ./infra/cmd/reports-backfill -local -from 2026-12-01 -to 2026-12-07
//
// It reads -page conversations at a time and recomputes at most -rate a
// second. After every page it prints a cursor (and writes it to
// -cursor-file, when given); -cursor, or the file, continues from it.
// Running a range twice changes nothing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/parleychat/parley/infra/backfill"
	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/infra/localcloud/template"
	"github.com/parleychat/parley/shared/reports"
	"github.com/parleychat/parley/shared/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "reports-backfill:", err)
		os.Exit(1)
	}
}

const function = "ReportsFunction"

func run() error {
	stack := flag.String("stack", "", "the deployed stack's name")
	local := flag.Bool("local", false, "use the local cloud (make dev) instead of a stack")
	addr := flag.String("addr", "http://127.0.0.1:3000", "the local cloud's URL (with -local)")
	from := flag.String("from", "", "first day of the range, YYYY-MM-DD in the account's time zone")
	to := flag.String("to", "", "last day of the range (inclusive)")
	page := flag.Int("page", 50, "conversations read per page")
	rate := flag.Float64("rate", 20, "conversations recomputed per second at most (0: no bound)")
	inbox := flag.String("inbox", "", "only this inbox (default: every inbox)")
	resume := flag.String("cursor", "", "continue from this cursor (printed by an earlier run)")
	file := flag.String("cursor-file", "", "keep the cursor in this file: read at start, written after every page, removed when done")
	flag.Parse()
	if (*stack == "") == !*local {
		return errors.New("give -stack <name> or -local")
	}
	if *from == "" || *to == "" {
		return errors.New("give the range: -from YYYY-MM-DD -to YYYY-MM-DD")
	}
	cursor := *resume
	if *file != "" && cursor == "" {
		b, err := os.ReadFile(*file)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		cursor = strings.TrimSpace(string(b))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	cfg, env, err := connect(ctx, *stack, *local, *addr)
	if err != nil {
		return err
	}
	zone, err := time.LoadLocation(env["REPORTS_TIME_ZONE"])
	if err != nil {
		return fmt.Errorf("%s's REPORTS_TIME_ZONE: %w", function, err)
	}
	if env["TABLE_NAME"] == "" {
		return fmt.Errorf("%s has no TABLE_NAME", function)
	}
	st := store.New(dynamodb.NewFromConfig(cfg), env["TABLE_NAME"], nil)
	rec, err := reports.NewRecorder(st, zone, backfill.NewStoredHours(st))
	if err != nil {
		return err
	}
	fmt.Printf("recomputing %s to %s (%s) in %s\n", *from, *to, zone, env["TABLE_NAME"])
	p, err := backfill.Run(ctx, st, rec, backfill.Options{From: *from, To: *to, Zone: zone, PageSize: *page, Rate: *rate, Cursor: cursor, Inboxes: only(*inbox)},
		func(p backfill.Progress) {
			if p.Cursor == "" {
				return
			}
			fmt.Printf("%d conversations, %d changed; cursor %s\n", p.Conversations, p.Changed, p.Cursor)
			if *file != "" {
				if err := os.WriteFile(*file, []byte(p.Cursor+"\n"), 0o600); err != nil {
					fmt.Fprintln(os.Stderr, "reports-backfill: keep the cursor:", err)
				}
			}
		})
	if err != nil {
		if p.Cursor != "" {
			return fmt.Errorf("%w (continue with -cursor %s)", err, p.Cursor)
		}
		return err
	}
	if *file != "" {
		if err := os.Remove(*file); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	fmt.Printf("done: %d conversations, %d changed\n", p.Conversations, p.Changed)
	return nil
}

// connect returns the AWS configuration and ReportsFunction's environment:
// the deployed function's, or the template's for the local cloud (whose
// names derive from it).
func connect(ctx context.Context, stack string, local bool, addr string) (aws.Config, map[string]string, error) {
	if local {
		wd, err := os.Getwd()
		if err != nil {
			return aws.Config{}, nil, err
		}
		root, err := localcloud.RepoRoot(wd)
		if err != nil {
			return aws.Config{}, nil, err
		}
		m, err := template.Load(filepath.Join(root, "template.yaml"), template.Options{})
		if err != nil {
			return aws.Config{}, nil, err
		}
		fn, ok := m.Functions[function]
		if !ok {
			return aws.Config{}, nil, fmt.Errorf("template.yaml has no %s", function)
		}
		cfg := aws.Config{Region: m.Region, BaseEndpoint: aws.String(addr),
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
		return cfg, fn.Env, nil
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return cfg, nil, err
	}
	res, err := cloudformation.NewFromConfig(cfg).DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{
		StackName: aws.String(stack), LogicalResourceId: aws.String(function)})
	if err != nil {
		return cfg, nil, fmt.Errorf("%s of stack %s: %w", function, stack, err)
	}
	out, err := lambda.NewFromConfig(cfg).GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{
		FunctionName: res.StackResourceDetail.PhysicalResourceId})
	if err != nil {
		return cfg, nil, fmt.Errorf("%s's configuration: %w", function, err)
	}
	if out.Environment == nil {
		return cfg, nil, fmt.Errorf("%s has no environment", function)
	}
	return cfg, out.Environment.Variables, nil
}

func only(inbox string) []string {
	if inbox == "" {
		return nil
	}
	return []string{inbox}
}
