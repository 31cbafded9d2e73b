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

pub mod diag;
pub mod addr;
pub mod config;
pub mod model;
pub mod graph;
pub mod scheduler;
pub mod overrides;
pub mod desired;
pub mod state;
pub mod cluster;
pub mod refresh;
pub mod plan;
pub mod apply;
pub mod pipeline;
pub mod cli;

#[cfg(test)]
mod testing;
