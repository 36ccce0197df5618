"""The web app (server-rendered pages, usable without JavaScript) and the HTTP API.

Start with `consentry.web.app.create_app`; its docstring lists the extension points.
"""
