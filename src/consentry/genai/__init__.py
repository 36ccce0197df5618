"""Generative language model: the base model, generation backends and per-shard adapters.

Importing this package sets OpenMP's wait policy to PASSIVE unless the operator chose
one: torch's worker threads then sleep at a barrier instead of spinning, which on a
machine shared with other processes made generation 3 to 14 times faster
(bench/README.md, "Generation backends"). It must be set before torch first loads, and
every use of the model goes through this package.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
