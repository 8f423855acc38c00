package streams

// SetDuplicate makes the mapping deliver every batch the function took a
// second time (or stop, with false): Lambda's stream polling is at least
// once, and a consumer must cope with a batch it already handled.
func (m *Mapping) SetDuplicate(on bool) { m.duplicate.Store(on) }

// redeliver invokes the function with a batch it already took, when
// duplicates are on. Its outcome changes nothing: the batch was delivered.
func (m *Mapping) redeliver(batch []record) {
	if !m.duplicate.Load() {
		return
	}
	m.duplicates.Add(1)
	if _, err := m.invoke(batch); err != nil {
		m.log.Warn("duplicate stream batch failed", "mapping", m.esm.Source, "records", len(batch), "error", err)
	}
}
