// Command agent-api is AgentApiFunction: the JWT-protected agent routes.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/agentapi"
	"github.com/parleychat/parley/shared/bucket"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mailer"
	"github.com/parleychat/parley/shared/secret"
	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/userpool"
)

func main() {
	lambda.Start(setup.Handler(func(ctx context.Context, env setup.Env) (any, error) {
		st := env.Store()
		channels, err := env.Channels(st)
		if err != nil {
			return nil, err
		}
		mailCfg, err := env.Mail()
		if err != nil {
			return nil, err
		}
		objects, err := bucket.New(env.AWS, setup.Endpoint("S3"), mailCfg.MailBucket, env.Clock())
		if err != nil {
			return nil, err
		}
		files, err := env.Files(channels, objects)
		if err != nil {
			return nil, err
		}
		svc, err := env.ChatWithFiles(st, env.Limiter(st), channels, files)
		if err != nil {
			return nil, err
		}
		key, err := env.SigningKey(ctx, secret.New(env.AWS, setup.Endpoint("SECRETS_MANAGER")))
		if err != nil {
			return nil, err
		}
		signer, err := env.Signer(key)
		if err != nil {
			return nil, err
		}
		attachments, err := env.Attachments(svc, files, signer)
		if err != nil {
			return nil, err
		}
		links, err := env.FileLinks(signer)
		if err != nil {
			return nil, err
		}
		sender, err := mailer.New(env.AWS, setup.Endpoint("SESV2"), mailCfg.ConfigurationSet)
		if err != nil {
			return nil, err
		}
		mail, err := env.Email(key, svc, st, channels, setup.EmailParts{Sender: sender, Links: links, Files: files})
		if err != nil {
			return nil, err
		}
		mentions, err := email.NewMentions(mail)
		if err != nil {
			return nil, err
		}
		finder, err := env.Finder(st)
		if err != nil {
			return nil, err
		}
		admin, err := env.Settings(channels, svc)
		if err != nil {
			return nil, err
		}
		contacts, err := env.Contacts(st, svc)
		if err != nil {
			return nil, err
		}
		guard := env.AgentGuard(st, svc)
		users, err := userpool.Directory(env.AWS, setup.Endpoint("COGNITO_IDENTITY_PROVIDER"), env.Config.UserPoolID)
		if err != nil {
			return nil, err
		}
		members, err := env.Team(st, guard, admin, users)
		if err != nil {
			return nil, err
		}
		rights, err := env.Privacy(st, files)
		if err != nil {
			return nil, err
		}
		rd, err := env.Reports(st)
		if err != nil {
			return nil, err
		}
		h, err := agentapi.New(agentapi.Deps{
			Chat: svc, Signer: signer, Access: guard, AdminGroup: env.Config.Access.AdminGroup,
			Email: mail, Attachments: attachments, Contacts: contacts, Mentions: mentions, Search: finder, Replies: env.SavedReplies(st), Settings: admin, Team: members,
			Reports: rd, Privacy: rights, FileLinks: links,
		})
		if err != nil {
			return nil, err
		}
		return h.Handle, nil
	}))
}
