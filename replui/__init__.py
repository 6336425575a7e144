"""replui: see and repair MySQL/MariaDB replication, in a terminal."""

__version__ = "0.1.0"
