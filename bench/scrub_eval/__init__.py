"""Evaluation sets for the scrubber, made with Faker rather than the network's generator.

`sets.make_sets(seed)` builds them at run time (nothing is committed as data); `scoring`
scores predicted spans against their labels; `peers` runs the scrubber and Presidio on the
same texts. See bench/README.md, section "Scrubber", for the rules and the figures.
"""
