"""The API's interactive documentation: Swagger UI from the copy fastapi-offline packages.

No CDN: the page and its scripts come from Bulletin itself, on the desk's origin, so
nothing another site serves can run there, and the page works offline.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = "/swagger"
# Only its files are used (Swagger UI 5, which reads OpenAPI 3.1): not its FastAPI class.
ASSET_DIR = Path(fastapi_offline.__file__).parent / "static"


def add_docs(api: FastAPI, *, prefix: str, title: str) -> None:
    """Serve Swagger UI at `prefix`/docs, its assets at `prefix`/swagger."""
    api.mount(ASSETS, StaticFiles(directory=ASSET_DIR), name="swagger")
    page = _page(prefix=prefix, title=title)

    @api.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)


def _page(*, prefix: str, title: str) -> str:
    assets = prefix + ASSETS
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{escape(title)} — API documentation</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="/static/swagger-init.js" data-openapi="{prefix}/openapi.json"></script>
</body>
</html>
"""
