"""TreatyLedger: accounting, transparency and verification of arms-reduction agreements."""

__version__ = "0.1.0"
