"""Pure domain rules: no I/O, no SQLAlchemy, no Textual."""
