package chat_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/shared/chat"
)

// workspace is the in-memory chat.Workspace of fakeStore: notifications
// by agent, viewers by conversation, preferences by agent. Agents' sockets
// are the fake store's connections, found through fakeStore.
type workspace struct {
	wmu           sync.Mutex
	notifications map[string]map[string]chat.Notification // agent -> id -> entry
	readThrough   map[string]string
	viewers       map[string]map[string]chat.Viewing // conversation -> connection -> viewing
	prefs         map[string]chat.Preferences
	// putNotificationErr, when set, is PutNotification's answer.
	putNotificationErr error
}

func (f *fakeStore) AgentConnections(_ context.Context, inbox, agentID string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.conns {
		if c.Principal.Role == chat.RoleAgent && c.Principal.ID == agentID && slices.Contains(c.Inboxes, inbox) {
			out = append(out, c.ID)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (w *workspace) PutNotification(_ context.Context, agentID string, n chat.Notification) (bool, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.putNotificationErr != nil {
		return false, w.putNotificationErr
	}
	if w.notifications == nil {
		w.notifications = map[string]map[string]chat.Notification{}
	}
	if w.notifications[agentID] == nil {
		w.notifications[agentID] = map[string]chat.Notification{}
	}
	if _, ok := w.notifications[agentID][n.ID]; ok {
		return false, nil
	}
	w.notifications[agentID][n.ID] = n
	return true, nil
}

func (w *workspace) entries(q chat.NotificationQuery) []chat.Notification {
	var out []chat.Notification
	for _, n := range w.notifications[q.AgentID] {
		if slices.Contains(q.Inboxes, n.InboxID) {
			n.Read = n.Read || n.ID <= w.readThrough[q.AgentID]
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b chat.Notification) int { return strings.Compare(b.ID, a.ID) })
	return out
}

func unreadOf(ns []chat.Notification) int {
	n := 0
	for _, e := range ns {
		if !e.Read {
			n++
		}
	}
	return min(n, chat.MaxUnread)
}

func (w *workspace) Notifications(_ context.Context, q chat.NotificationQuery) (chat.NotificationPage, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	all := w.entries(q)
	page := chat.NotificationPage{Notifications: []chat.Notification{}, Unread: unreadOf(all)}
	for _, n := range all {
		if q.Cursor != "" && n.ID >= q.Cursor {
			continue
		}
		if len(page.Notifications) == q.Limit {
			page.NextCursor = page.Notifications[q.Limit-1].ID
			break
		}
		page.Notifications = append(page.Notifications, n)
	}
	return page, nil
}

func (w *workspace) ReadNotifications(_ context.Context, q chat.NotificationQuery, ids []string, all bool) (int, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	for _, id := range ids {
		if n, ok := w.notifications[q.AgentID][id]; ok {
			n.Read = true
			w.notifications[q.AgentID][id] = n
		}
	}
	if all {
		if w.readThrough == nil {
			w.readThrough = map[string]string{}
		}
		for id := range w.notifications[q.AgentID] {
			w.readThrough[q.AgentID] = max(w.readThrough[q.AgentID], id)
		}
	}
	return unreadOf(w.entries(q)), nil
}

func (w *workspace) PutViewer(_ context.Context, cid string, v chat.Viewing, now time.Time) (bool, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.viewers == nil {
		w.viewers = map[string]map[string]chat.Viewing{}
	}
	if w.viewers[cid] == nil {
		w.viewers[cid] = map[string]chat.Viewing{}
	}
	old, ok := w.viewers[cid][v.ConnectionID]
	w.viewers[cid][v.ConnectionID] = v
	return !ok || !old.Until.After(now), nil
}

func (w *workspace) LeaveViewer(_ context.Context, cid, connID string, now time.Time) (bool, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	old, ok := w.viewers[cid][connID]
	if !ok || !old.Until.After(now) {
		return false, nil
	}
	delete(w.viewers[cid], connID)
	return true, nil
}

func (w *workspace) Viewers(_ context.Context, cid string, now time.Time) ([]chat.Viewing, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	var out []chat.Viewing
	for _, v := range w.viewers[cid] {
		if v.Until.After(now) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b chat.Viewing) int { return strings.Compare(a.ConnectionID, b.ConnectionID) })
	return out, nil
}

func (w *workspace) Preferences(_ context.Context, agentID string) (chat.Preferences, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	p, ok := w.prefs[agentID]
	if !ok {
		return p, chat.ErrNotFound
	}
	return p, nil
}

func (w *workspace) PutPreferences(_ context.Context, agentID string, p chat.Preferences) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.prefs == nil {
		w.prefs = map[string]chat.Preferences{}
	}
	w.prefs[agentID] = p
	return nil
}
