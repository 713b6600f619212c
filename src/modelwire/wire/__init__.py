"""Wire layer: SSE framing and JSON decoding, below any knowledge of a particular API."""
