package chat

// ForVisitor is the message as a visitor may see it: an event keeps its
// type, reason and the agent's name but loses what only agents need to
// know (the address and subject of an emailed transcript, which may be a
// third party's, and the agent's id); an emailed message loses how its
// text was extracted. Chat messages are returned as they are, so they
// cost nothing extra.
func (m Message) ForVisitor() Message {
	m.Extraction = ""
	if m.Event == nil || (m.Event.Email == "" && m.Event.Subject == "" && m.Event.AgentID == "") {
		return m
	}
	ev := *m.Event
	ev.Email, ev.Subject, ev.AgentID = "", "", ""
	m.Event = &ev
	return m
}

// forVisitor applies ForVisitor to a page of messages, copying the page
// only when an entry changes.
func forVisitor(msgs []Message) []Message {
	var out []Message
	for i, m := range msgs {
		v := m.ForVisitor()
		if v.Event == m.Event && v.Extraction == m.Extraction {
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
