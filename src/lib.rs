//! mcctl: declare applications for a fleet of Kubernetes clusters, plan, review, apply.
//!
//! ```text
//! files ─load─▶ Config ─build─▶ Model ─graph─▶ DependencyGraph (waves)
//!         Model + ClusterStatus ─schedule─▶ Placement
//!           Model + Placement ─override─▶ Instances
//!         Instances + waves ─render─▶ DesiredState
//!  State ─lock+read─▶ State        clusters ─refresh─▶ ObservedState
//!       DesiredState + State + ObservedState ─diff─▶ Plan
//!                      Plan ─apply─▶ clusters + State'
//! ```
//! Modules are listed in dependency order: a module only uses those above it (plus [`diag`] and
//! [`addr`]). [`pipeline`] strings the stages together; `cli` is the only module that prints.

pub mod addr;
pub mod apply;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod desired;
pub mod diag;
pub mod graph;
pub mod model;
pub mod overrides;
pub mod pipeline;
pub mod plan;
pub mod refresh;
pub mod scheduler;
pub mod state;

#[cfg(test)]
mod testing;
