package config

import "os"

// SearchTable names the search index's table (SEARCH_TABLE_NAME), set only
// for the functions that write it (the indexer) or read it (the agent
// routes): no visitor-facing function knows it.
func SearchTable() (string, error) { return SearchTableFromLookup(os.LookupEnv) }

// SearchTableFromLookup reads it through lookup.
func SearchTableFromLookup(lookup func(string) (string, bool)) (string, error) {
	r := &reader{lookup: lookup}
	name := r.required("SEARCH_TABLE_NAME")
	return name, r.err()
}
