"""Sample feeds for `briefer demo` (headlines.toml), packaged with briefer."""
