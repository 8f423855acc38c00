// Command widget-api is WidgetApiFunction: the public widget routes.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/widgetapi"
)

func main() {
	ctx := context.Background()
	env := setup.Check(setup.Init(ctx))
	st := env.Store()
	svc := chat.NewService(st, env.Pusher(st), env.Options())
	origins := setup.Check(auth.ParseOrigins(env.Config.AllowedOrigins))
	h := widgetapi.New(svc, setup.Check(env.Signer(ctx)), origins, env.Config.DefaultChannelID)
	lambda.Start(h.Handle)
}
