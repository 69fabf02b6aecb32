//! Container and host exposure checks: Docker Engine API, kubelet, etcd, Kubernetes API.

pub mod host_ports;
pub mod indicators;
pub mod ssrf_reach;
