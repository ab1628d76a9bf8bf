//! # recount-bench: how fast recount builds a cube, against DuckDB
//!
//! The `cube-bench` binary generates (does not commit) a national-scale data set, about 20
//! million incidents and 8 million crimes across 43 forces, partitioned by force and compressed
//! with zstd; then times, each in its own process so that peak memory is its own: recount
//! building the whole cube; reading the same columns without aggregating (the floor); and
//! DuckDB computing the same aggregates, the join included, from the same files. It prints
//! medians and ratios. Not part of the tool.
