"""Adapters to switches: NAPALM drivers, the gateway, and a simulator."""
