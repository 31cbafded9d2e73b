//! Test support shared by the integration tests: the in-process Kubernetes API test server and a
//! small HTTP client to talk to it.

pub(crate) mod apiserver;
pub(crate) mod http;
