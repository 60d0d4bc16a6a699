"""Verb module: registers its command on archivekit.cli.app when filled in."""
