//! Benchmarks of Updraft (criterion benches live in `benches/`).
