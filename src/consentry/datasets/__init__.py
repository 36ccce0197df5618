"""Datasets: what enters a training set, scrubbed of personal data, and proof of why."""
