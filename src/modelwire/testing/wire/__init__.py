"""Renderers: a neutral script -> each API's exact stream payloads and final JSON object."""
