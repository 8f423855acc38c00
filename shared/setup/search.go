package setup

import (
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/searchindex"
	"github.com/parleychat/parley/shared/store"
)

// searchTable is the search index's table (SEARCH_TABLE_NAME).
func (e Env) searchTable() (*store.SearchIndex, error) {
	name, err := config.SearchTable()
	if err != nil {
		return nil, err
	}
	return store.NewSearchIndex(e.dynamoDB(), name), nil
}

// Indexer writes the search index from what st (the chat table) holds.
func (e Env) Indexer(st *store.Store) (*searchindex.Indexer, error) {
	idx, err := e.searchTable()
	if err != nil {
		return nil, err
	}
	return searchindex.NewIndexer(idx, st, clock.New(e.Config.ClockFile)), nil
}

// Finder answers agents' searches from the search index and st.
func (e Env) Finder(st *store.Store) (*searchindex.Finder, error) {
	idx, err := e.searchTable()
	if err != nil {
		return nil, err
	}
	return searchindex.NewFinder(idx, st), nil
}
