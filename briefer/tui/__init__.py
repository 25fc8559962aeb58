"""The Textual app `briefer` opens. Only this package (and the CLI) imports Textual."""
