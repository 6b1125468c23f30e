"""detente: machinery for strategic arms control."""

__version__ = "0.1.0"
