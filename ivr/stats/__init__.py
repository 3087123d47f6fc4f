"""The operator's view: where callers go, get stuck and end, drawn as one HTML page with SVG charts."""
