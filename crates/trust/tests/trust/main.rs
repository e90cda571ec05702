//! escalate-trust's tests: one binary.
mod cards;
mod manifests;
