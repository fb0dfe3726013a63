"""Adapters to handsets: provisioning files and the SIP re-sync request."""
