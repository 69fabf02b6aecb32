//! Container and host exposure checks: Docker Engine API, kubelet, etcd, Kubernetes API.
