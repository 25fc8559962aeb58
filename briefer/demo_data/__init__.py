"""Sample news for `briefer demo` (stories.toml), packaged with briefer."""
