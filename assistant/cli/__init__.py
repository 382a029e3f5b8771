"""The command line: thin commands over the library (`main`), `eval` as its own module."""
