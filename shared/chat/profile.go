package chat

import (
	"context"
	"errors"
	"fmt"
)

// SignAs returns the agent with the display name and avatar of its
// profile, which is how visitors and emails know the agent. An agent
// without a profile yet keeps the identity provider's name (what its
// profile will start from). It reads and never writes.
func (s *Service) SignAs(ctx context.Context, agent Principal) (Principal, error) {
	profile, err := s.store.Agent(ctx, agent.ID)
	switch {
	case err == nil:
		agent.Name, agent.AvatarURL = profile.DisplayName, profile.AvatarURL
	case !errors.Is(err, ErrNotFound):
		return Principal{}, fmt.Errorf("profile of %s: %w", agent.ID, err)
	}
	return agent, nil
}
