//! No heap allocation where the crate promises none, proven with a counting global
//! allocator: inside products of every type (in memory, mapped, streamed), and per
//! iteration of every solver once its workspace is sized.
//!
//! One `#[test]` only, running the sections one after another: the counter is process-wide,
//! and the test harness would otherwise run other tests (which allocate) concurrently.

#[path = "../common/mod.rs"]
mod common;
mod counting;

mod products;
mod solvers;

#[test]
fn no_allocation_in_products_or_solver_iterations() {
    products::all_types_products_do_not_allocate();
    solvers::solver_iterations_do_not_allocate();
}
