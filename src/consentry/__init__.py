"""Consentry: a professional network whose AI trains only on what members allowed,
provably and reversibly."""

__version__ = "0.1.0"
