"""One widget per module; each takes plain rows and renders them as safe Rich Text."""
