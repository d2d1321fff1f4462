"""Imports every module that defines tables, so Base.metadata knows the whole schema."""

from treatyledger.store.base import Base

__all__ = ["Base"]
