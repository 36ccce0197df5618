"""Rights: a member's withdrawal, objection, erasure, access and export, and their receipts.

A request appends its ledger entry and queues a propagation job in one transaction
(`withdrawal`, `erasure`); a worker (`worker`, `propagation`) carries the job through every
dataset, model and index, and signs a receipt naming what changed (`receipts`).
"""
