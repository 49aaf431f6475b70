"""Read and validate catalog and event files, embed items, bulk-load into Elasticsearch."""
