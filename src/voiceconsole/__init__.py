"""voiceconsole: run the Ethernet voice services of flexible-workspace occupiers."""

__version__ = "0.1.0"
