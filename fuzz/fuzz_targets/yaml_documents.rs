//! YAML documents: any bytes (lossily made UTF-8) as `fuzz.yaml`, through load, model and graph.

#![no_main]

#[path = "../common/mod.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::load("fuzz.yaml", data));
