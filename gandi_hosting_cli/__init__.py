"""gandi-hosting: a command-line tool for the Gandi Hosting XML-RPC API 1.0."""

__version__ = "0.1.0"
