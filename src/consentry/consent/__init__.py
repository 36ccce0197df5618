"""Consent: policies, the hash-chained ledger, decisions and signals (GPC, aipref).

See docs/policy.md. Entry points: `versions.resolve_policy`, `decide.decide`,
`decide_batch.decide_all`, `record.record_choice`, `ledger.verify`, `signals.apply_gpc`.
"""
