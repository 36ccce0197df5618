"""Synthetic networks for demos, tests and benchmarks: the generator, planted PII with its
ground truth, the demo accounts and a realistic mix of consent choices.

Nothing in production imports this package (an import-linter contract checks it); it
imports the domain (`network`, `consent`, `store`), never the reverse. Only the seeding
commands, tests and benchmarks use it.
"""
