"""Transport: the call flow (retries, refresh, deadline, what is delivered) and retry rules."""
