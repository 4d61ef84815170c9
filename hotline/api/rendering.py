"""How the API writes JSON: one encoder for every body, Chinese kept readable."""

import json

from ninja.renderers import JSONRenderer


class Renderer(JSONRenderer):
    """JSON with Chinese kept readable (no \\u escapes), like the error bodies."""

    json_dumps_params = {"ensure_ascii": False}


def render_json(data: object) -> str:
    """The body the API renders for `data` (used where a response is built by hand, e.g. idempotent replays)."""
    return json.dumps(data, cls=Renderer.encoder_class, **Renderer.json_dumps_params)
