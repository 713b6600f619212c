"""Transport: HTTP over httpx2 with retries, timeouts and rate-limit headers."""
