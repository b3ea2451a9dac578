"""The background service: mail sources, the broker and its actors, the run loop."""
