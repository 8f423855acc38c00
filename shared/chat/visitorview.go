package chat

// ForVisitor is the message as a visitor may see it: an agent's internal
// id (its identity provider's subject) appears nowhere, neither as the
// author nor in an event; an event loses what only agents need to know
// (the address and subject of an emailed transcript, which may be a third
// party's); an emailed message loses how its text was extracted.
func (m Message) ForVisitor() Message {
	m.Extraction = ""
	if m.Author.Type == RoleAgent {
		m.Author = m.Author.ForVisitor()
	}
	if m.Event == nil || (m.Event.Email == "" && m.Event.Subject == "" && m.Event.AgentID == "") {
		return m
	}
	ev := *m.Event
	ev.Email, ev.Subject, ev.AgentID = "", "", ""
	m.Event = &ev
	return m
}

// ForVisitor is the author as a visitor may see it: an agent by name and
// avatar, without its id.
func (a Author) ForVisitor() Author {
	if a.Type == RoleAgent {
		a.ID = ""
	}
	return a
}

// forVisitor applies ForVisitor to a page of messages, copying the page
// only when an entry changes.
func forVisitor(msgs []Message) []Message {
	var out []Message
	for i, m := range msgs {
		v := m.ForVisitor()
		if v.Event == m.Event && v.Author == m.Author && v.Extraction == m.Extraction {
			if out != nil {
				out[i] = v
			}
			continue
		}
		if out == nil {
			out = make([]Message, len(msgs))
			copy(out, msgs[:i])
		}
		out[i] = v
	}
	if out == nil {
		return msgs
	}
	return out
}
