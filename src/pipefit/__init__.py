"""pipefit: revenue operations for teams where a sales rep and a presales engineer win together."""

__version__ = "0.1.0"
