"""The console: Textual screens over the service layer (no SQL here, no device calls)."""
