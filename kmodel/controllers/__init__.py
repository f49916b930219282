"""Controllers of kube-controller-manager, each a pure ``reconcile(state, key)``."""
