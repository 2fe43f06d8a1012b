"""The Whoosh index on the write side: schema, records, segment merging,
the index folder (storage) and index.backend's IndexWriter (writer).
The indexer (index.build) reaches it only through index.backend.
"""

from foiasearch.index.whoosh.importing import import_whoosh

import_whoosh()  # before any Whoosh import of this package: without urllib.request and asyncio
