"""Node agents: the kubelet (and kube-proxy, with the networking issue)."""
