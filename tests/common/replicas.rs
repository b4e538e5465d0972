//! Several `helm-operator` replicas as separate processes against one API server.
