"""rxintake: prescription emails in, checked prescription records out."""

__version__ = "0.1.0"
