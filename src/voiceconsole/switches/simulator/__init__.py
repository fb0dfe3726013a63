"""A stateful Cisco-IOS-like access switch: one model, reached in-process or over SSH."""
