"""The tool's local state: paths and profiles (``settings``), editing config.toml
(``edit``), what a server is known to support (``capabilities``), the names seen for
completion (``name_cache``), and the one helper every written file goes through
(``files``)."""
