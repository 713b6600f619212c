"""Providers side by side: one package per wire API, each with the same files.

``stream.py`` maps the API's stream events into common events, ``request.py`` builds the native
request body from a prompt, ``errors.py`` maps the API's error bodies into the error hierarchy.
"""
