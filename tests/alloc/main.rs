//! No heap allocation where the crate promises none, proven with a counting global
//! allocator: inside products of every type (in memory, mapped, streamed), and per
//! iteration of every solver once its workspace is sized; and no large allocation while
//! refusing a hostile file, whatever its header claims.
//!
//! One `#[test]` only, running the sections one after another: the counter is process-wide,
//! and the test harness would otherwise run other tests (which allocate) concurrently.

#[path = "../common/mod.rs"]
mod common;
mod counting;

mod hostile;
mod products;
mod solvers;

#[test]
fn no_allocation_in_products_or_solver_iterations_and_little_for_hostile_files() {
    products::all_types_products_do_not_allocate();
    solvers::solver_iterations_do_not_allocate();
    hostile::hostile_inputs_allocate_little();
}
