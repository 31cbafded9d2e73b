//! Variable values: a type on the first line and a `--var` value after it, parsed and converted
//! on their own and then through the loader.

#![no_main]

#[path = "../common/mod.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::variable_value(data));
