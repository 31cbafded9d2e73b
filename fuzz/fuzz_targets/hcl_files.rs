//! HCL files: any bytes (lossily made UTF-8) as `fuzz.hcl`, through the HCL parser, the evaluator
//! with mcctl's functions, the model and the graph.

#![no_main]

#[path = "../common/mod.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::load("fuzz.hcl", data));
