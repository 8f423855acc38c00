package chat

import "context"

// VisitorGone does for presence what $disconnect does, for a visitor
// connection found gone another way (a push answered 410 Gone, the
// $disconnect having been lost): once the visitor's last tab is gone, the
// conversations read offline and the inbox is told. The caller has deleted
// the connection.
func (s *Service) VisitorGone(ctx context.Context, visitorID string) {
	s.visitorLeft(ctx, visitorID)
}
