"""cdv — rules-as-code engine for the funding programmation of a contrat de ville."""

__version__ = "0.1.0"
