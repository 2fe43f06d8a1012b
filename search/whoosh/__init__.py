"""The Whoosh search backend: everything that knows Whoosh on the search side.

``engine.SearchEngine`` implements search.api's SearchBackend; the rest are
its parts: query parsing (query), matching and BM25F ranking over posting
blocks (bitquery, bulkscore, ranking, postings: the one module that reads
Whoosh's private posting-block attributes), bitsets (docsets), facet counts
(facets), snippets and marking (snippets), and what is kept per searcher
(searcher_cache). Callers outside search/whoosh/ use search.api only.
"""

from foiasearch.index.whoosh.importing import import_whoosh

import_whoosh()  # before any Whoosh import of this package: without urllib.request and asyncio
