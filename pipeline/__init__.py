"""The TFX-style pipeline: ingest -> train -> evaluate -> export, each stage a CLI over DIR/<stage>/."""
