"""The scriptable command line: the same service functions as the console."""
