"""TreatyLedger: accounting, transparency and verification of strategic arms-reduction agreements."""

__version__ = "0.1.0"
