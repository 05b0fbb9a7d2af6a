"""The command line, ``python -m index COMMAND``."""
