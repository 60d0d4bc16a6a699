"""archivekit: integrity checks, fixity and preservation exports for archived news articles."""

__version__ = "0.1.0"
