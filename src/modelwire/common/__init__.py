"""The common layer: events, items, Response, Usage, errors and collect(); no I/O, no providers."""
