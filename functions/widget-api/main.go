// Command widget-api is WidgetApiFunction: the public widget routes.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/widgetapi"
)

func main() {
	ctx := context.Background()
	p := setup.Must(ctx)
	h := widgetapi.New(p.Service, p.Signer, p.Origins, p.Config.DefaultChannelID).
		WithEmail(setup.MustEmail(ctx, p)).
		WithLook(p.Config.TeamName, p.Config.ThemeColor).
		WithLimits(setup.Env{Config: p.Config, AWS: p.AWS}.Limiter(p.Store)).
		WithIdentity(setup.Check(setup.Identity(ctx, p)))
	lambda.Start(h.Handle)
}
