"""CLI commands by area. Each module exposes `register(app)` and keeps heavy imports inside commands."""
