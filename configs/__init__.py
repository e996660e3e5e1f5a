"""ml_collections configs: pick one with --config=configs/<name>.py, override with --config.a.b=v."""
