# Root pytest configuration. Every module's doctests run (pyproject's --doctest-modules): the
# numeric models' doctests were once excluded here while their expected values were in doubt;
# both were checked against upstream (disruption.go/eviction.go: sync, node failure, eviction is
# a 3-step violation; horizontal.go: the below-minReplicas branch exceeds max(2*current, 4) only
# when minReplicas does) and corrected, so nothing is excluded.
