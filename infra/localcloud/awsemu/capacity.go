package awsemu

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"sync"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// Capacity metering: what each DynamoDB request would consume in on-demand
// read and write request units, computed from the sizes of the items it
// reads and writes, by the rules of the DynamoDB developer guide
// ("Read/write capacity mode", "Item sizes and formats"):
//
//   - a read costs one unit per 4 KB of item (rounded up), half a unit when
//     eventually consistent; a Query or Scan rounds the sum of the items it
//     returns, not each item; a read that finds nothing still costs the
//     minimum;
//   - a write costs one unit per 1 KB of the larger of the item before and
//     after it (rounded up, at least one), and the same again for each
//     global secondary index the write puts an entry into or takes one out
//     of (an index whose key changes costs a delete and a put), or whose
//     entry it changes: an index entry is what the index projects (the
//     table's and the index's keys, plus every attribute for ALL or the
//     listed ones for INCLUDE), sized as an item, and a write that changes
//     none of it costs the index nothing ("Provisioned throughput
//     considerations for Global Secondary Indexes" in the guide);
//   - transactions cost twice: 2 units per 4 KB read, 2 per 1 KB written
//     to the table (index updates, which DynamoDB applies asynchronously
//     outside the transaction, are counted at the standard rate).
//
// Items a Query filters out after reading are not seen here, so a filtered
// Query is undercounted; the functions filter little.

// Capacity is the request units consumed per table.
type Capacity struct {
	// ReadUnits and WriteUnits by table name; WriteUnits include the
	// index writes, which IndexWriteUnits counts again by "table/index".
	ReadUnits       map[string]float64 `json:"readUnits"`
	WriteUnits      map[string]float64 `json:"writeUnits"`
	IndexWriteUnits map[string]float64 `json:"indexWriteUnits"`
	// KindWriteUnits are the write units again, index writes included,
	// by "table/kind": the kind of item written, its key attributes' values
	// up to their first '#' ("CONV/MSG", "VISITOR/CONTACT").
	KindWriteUnits map[string]float64 `json:"kindWriteUnits"`
}

// indexMeter is what an index holds of an item: its key, and all the
// item's attributes or, when include is not nil, the table's and the
// index's keys and the attributes include lists (none for KEYS_ONLY).
type indexMeter struct {
	key     keySchema
	include map[string]bool
}

type capacityMeter struct {
	mu      sync.Mutex
	indexes map[string]map[string]indexMeter // table -> index -> what it holds
	base    map[string][]string              // table -> its key attributes
	read    map[string]float64
	write   map[string]float64
	index   map[string]float64
	kind    map[string]float64
}

// MeterCapacity starts counting request units for every later DynamoDB
// request; tables give the global secondary indexes and their projections.
// Metering reads every written item before and after the write, so it is
// off unless a benchmark turns it on.
func (s *Server) MeterCapacity(tables []*template.Table) {
	m := &capacityMeter{indexes: map[string]map[string]indexMeter{}, base: map[string][]string{}, read: map[string]float64{}, write: map[string]float64{}, index: map[string]float64{}, kind: map[string]float64{}}
	for _, t := range tables {
		idx := map[string]indexMeter{}
		for _, g := range t.GSIs {
			var k keySchema
			for _, e := range g.KeySchema {
				if e.KeyType == "HASH" {
					k.hash = e.Name
				} else {
					k.rng = e.Name
				}
			}
			im := indexMeter{key: k}
			if g.ProjectionType == "KEYS_ONLY" || g.ProjectionType == "INCLUDE" {
				im.include = map[string]bool{}
				for _, n := range t.KeySchema {
					im.include[n.Name] = true
				}
				for _, n := range append(k.attrs(), g.NonKeyAttributes...) {
					im.include[n] = true
				}
			}
			idx[g.Name] = im
		}
		m.indexes[t.Name] = idx
		for _, e := range t.KeySchema {
			m.base[t.Name] = append(m.base[t.Name], e.Name)
		}
	}
	s.dbMu.Lock()
	s.meter = m
	s.dbMu.Unlock()
}

// StopMeteringCapacity turns metering off again (what it counted is
// gone): later requests run at full speed.
func (s *Server) StopMeteringCapacity() {
	s.dbMu.Lock()
	s.meter = nil
	s.dbMu.Unlock()
}

// Capacity returns the request units counted since MeterCapacity.
func (s *Server) Capacity() Capacity {
	s.dbMu.Lock()
	m := s.meter
	s.dbMu.Unlock()
	out := Capacity{ReadUnits: map[string]float64{}, WriteUnits: map[string]float64{}, IndexWriteUnits: map[string]float64{}, KindWriteUnits: map[string]float64{}}
	if m == nil {
		return out
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, v := range m.read {
		out.ReadUnits[k] = v
	}
	for k, v := range m.write {
		out.WriteUnits[k] = v
	}
	for k, v := range m.index {
		out.IndexWriteUnits[k] = v
	}
	for k, v := range m.kind {
		out.KindWriteUnits[k] = v
	}
	return out
}

// metered is what a write request is charged for beside its writes: its
// factor (2 in a transaction) and a transaction's ConditionChecks.
type metered struct {
	op     string
	body   []byte
	factor float64
	checks []meteredCheck
}

// meteredCheck is a ConditionCheck's item: charged, written nothing.
type meteredCheck struct {
	table string
	item  Image
}

// meterBefore reads what a request is charged for besides the items it
// writes (beforeWrite reads those); nil when metering is off. The caller
// holds dbMu.
func (s *Server) meterBefore(ctx context.Context, op string, body []byte) *metered {
	if s.meter == nil {
		return nil
	}
	m := &metered{op: op, body: body, factor: 1}
	if op != "TransactWriteItems" {
		return m
	}
	m.factor = 2
	var in struct {
		TransactItems []struct{ ConditionCheck *updateLike }
	}
	if json.Unmarshal(body, &in) == nil {
		for _, it := range in.TransactItems {
			if c := it.ConditionCheck; c != nil && c.Key != nil {
				m.checks = append(m.checks, meteredCheck{table: c.TableName, item: s.getImage(ctx, c.TableName, c.Key)})
			}
		}
	}
	return m
}

// meterAfter counts what the answered request consumed; changes are its
// writes with the items before and, when it succeeded, after them
// (beforeWrite, afterWrite). The caller holds dbMu.
func (s *Server) meterAfter(m *metered, status int, answer []byte, changes []Change) {
	if m == nil || s.meter == nil {
		return
	}
	meter := s.meter
	meter.mu.Lock()
	defer meter.mu.Unlock()
	for _, c := range m.checks {
		units := m.factor * writeUnits(itemSize(c.item))
		meter.write[c.table] += units
		meter.kind[c.table+"/"+meter.kindOf(c.table, c.item)] += units
	}
	for _, c := range changes {
		after := c.Old
		if status == 200 {
			after = c.New
		}
		units := m.factor * writeUnits(max(itemSize(c.Old), itemSize(after)))
		if status == 200 && !sameImage(c.Old, after) {
			// Index updates propagate outside the transaction, at the
			// standard rate.
			units += meter.indexWrites(c.Table, c.Old, after)
		}
		meter.write[c.Table] += units
		meter.kind[c.Table+"/"+meter.kindOf(c.Table, c.Keys)] += units
	}
	if status != 200 {
		return
	}
	meter.reads(m.op, m.body, answer)
}

// indexWrites is the write units the change from before to after costs in
// the table's global secondary indexes.
func (m *capacityMeter) indexWrites(table string, before, after Image) float64 {
	var units float64
	for name, idx := range m.indexes[table] {
		var u float64
		was, is := idx.holds(before), idx.holds(after)
		switch {
		case was && is && sameKeys(before, after, idx.key):
			if b, a := idx.entry(before), idx.entry(after); !sameImage(b, a) {
				u = writeUnits(itemSize(a))
			}
		case was && is:
			u = writeUnits(itemSize(idx.entry(before))) + writeUnits(itemSize(idx.entry(after)))
		case was:
			u = writeUnits(itemSize(idx.entry(before)))
		case is:
			u = writeUnits(itemSize(idx.entry(after)))
		}
		if u > 0 {
			m.index[table+"/"+name] += u
			units += u
		}
	}
	return units
}

// holds tells whether the index has an entry for the item: it has the
// index's keys.
func (idx indexMeter) holds(it Image) bool {
	if it == nil || it[idx.key.hash] == nil {
		return false
	}
	return idx.key.rng == "" || it[idx.key.rng] != nil
}

// entry is the item's entry in the index: what the index projects.
func (idx indexMeter) entry(it Image) Image {
	if idx.include == nil {
		return it
	}
	out := Image{}
	for n, v := range it {
		if idx.include[n] {
			out[n] = v
		}
	}
	return out
}

// kindOf names the kind of the item with these keys: the leading capitals
// of each key attribute's string value, joined by '/' ("CONV#…" and
// "MSG#…" are CONV/MSG; a date or an id is "").
func (m *capacityMeter) kindOf(table string, keys Image) string {
	parts := make([]string, 0, 2)
	for _, n := range m.base[table] {
		var v struct{ S string }
		_ = json.Unmarshal(keys[n], &v)
		end := strings.IndexFunc(v.S, func(r rune) bool { return (r < 'A' || r > 'Z') && r != '_' })
		if end < 0 {
			end = len(v.S)
		}
		parts = append(parts, v.S[:end])
	}
	return strings.Join(parts, "/")
}

func sameKeys(a, b Image, k keySchema) bool {
	for _, n := range k.attrs() {
		if !sameImage(Image{n: a[n]}, Image{n: b[n]}) {
			return false
		}
	}
	return true
}

// reads counts a successful read request from its answer.
func (m *capacityMeter) reads(op string, body, answer []byte) {
	var in struct {
		TableName      string
		ConsistentRead bool
		RequestItems   map[string]struct{ ConsistentRead bool }
		TransactItems  []struct{ Get struct{ TableName string } }
	}
	_ = json.Unmarshal(body, &in)
	per := func(consistent bool) float64 {
		if consistent {
			return 1
		}
		return 0.5
	}
	switch op {
	case "GetItem":
		var out struct{ Item Image }
		_ = json.Unmarshal(answer, &out)
		m.read[in.TableName] += per(in.ConsistentRead) * readUnits(itemSize(out.Item))
	case "Query", "Scan":
		var out struct{ Items []Image }
		_ = json.Unmarshal(answer, &out)
		total := 0
		for _, it := range out.Items {
			total += itemSize(it)
		}
		m.read[in.TableName] += per(in.ConsistentRead) * readUnits(total)
	case "BatchGetItem":
		var out struct{ Responses map[string][]Image }
		_ = json.Unmarshal(answer, &out)
		for table, items := range out.Responses {
			for _, it := range items {
				m.read[table] += per(in.RequestItems[table].ConsistentRead) * readUnits(itemSize(it))
			}
		}
	case "TransactGetItems":
		var out struct{ Responses []struct{ Item Image } }
		_ = json.Unmarshal(answer, &out)
		for i, r := range out.Responses {
			if i < len(in.TransactItems) {
				m.read[in.TransactItems[i].Get.TableName] += 2 * readUnits(itemSize(r.Item))
			}
		}
	}
}

func readUnits(size int) float64  { return math.Max(1, math.Ceil(float64(size)/4096)) }
func writeUnits(size int) float64 { return math.Max(1, math.Ceil(float64(size)/1024)) }

// itemSize is an item's size as DynamoDB bills it: each attribute's name
// plus its value.
func itemSize(it Image) int {
	n := 0
	for name, raw := range it {
		n += len(name) + valueSize(raw)
	}
	return n
}

// valueSize follows "Item sizes and formats": strings and binaries by their
// bytes, numbers about one byte per two significant digits plus one,
// booleans and null one byte, lists and maps 3 bytes plus one per element
// plus their elements (a map's element names included).
func valueSize(raw json.RawMessage) int {
	var v map[string]json.RawMessage
	if json.Unmarshal(raw, &v) != nil {
		return 0
	}
	for t, x := range v {
		switch t {
		case "S":
			var s string
			_ = json.Unmarshal(x, &s)
			return len(s)
		case "N":
			var s string
			_ = json.Unmarshal(x, &s)
			return numberSize(s)
		case "B":
			var s string
			_ = json.Unmarshal(x, &s)
			b, _ := base64.StdEncoding.DecodeString(s)
			return len(b)
		case "BOOL", "NULL":
			return 1
		case "SS", "NS", "BS":
			var ss []string
			_ = json.Unmarshal(x, &ss)
			n := 0
			for _, s := range ss {
				switch t {
				case "SS":
					n += len(s)
				case "NS":
					n += numberSize(s)
				default:
					b, _ := base64.StdEncoding.DecodeString(s)
					n += len(b)
				}
			}
			return n
		case "L":
			var l []json.RawMessage
			_ = json.Unmarshal(x, &l)
			n := 3 + len(l)
			for _, e := range l {
				n += valueSize(e)
			}
			return n
		case "M":
			var mm map[string]json.RawMessage
			_ = json.Unmarshal(x, &mm)
			n := 3 + len(mm)
			for k, e := range mm {
				n += len(k) + valueSize(e)
			}
			return n
		}
	}
	return 0
}

func numberSize(s string) int {
	digits := 0
	for _, r := range strings.TrimLeft(strings.TrimLeft(s, "-+"), "0.") {
		if r >= '0' && r <= '9' {
			digits++
		}
		if r == 'e' || r == 'E' {
			break
		}
	}
	return (digits+1)/2 + 1
}
