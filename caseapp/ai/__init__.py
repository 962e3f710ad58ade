"""Caseline's AI: server-side only. ``risk`` and ``key_sentences`` are the offline default."""
