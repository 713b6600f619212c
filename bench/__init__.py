"""`nox -s bench`: speed and memory figures of modelwire beside the official SDKs, same bytes."""
