//! The thread pool of the products: our own rayon pool, so `set_num_threads` can resize it at
//! any time (rayon's global pool can be built only once), and small products run on the
//! calling thread, since handing them to the pool costs more than they do.

use matvec::Par;
use rayon::ThreadPool;
use std::sync::{Arc, Mutex};

/// Work (stored entries, or elements of a dense matrix, times vectors) below which a product
/// runs on the calling thread: the same threshold as the library's kernels, under which
/// waking a second thread costs more than it saves.
const SEQ_WORK: usize = 1 << 15;

static POOL: Mutex<Option<Arc<ThreadPool>>> = Mutex::new(None);

fn build(threads: usize) -> Result<Arc<ThreadPool>, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("matvec-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| format!("cannot start {threads} threads: {e}"))
}

/// The pool, made with one thread per core on first use.
fn pool() -> Arc<ThreadPool> {
    let mut p = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = &*p {
        return Arc::clone(p);
    }
    let made = build(0).expect("rayon cannot start its default pool");
    *p = Some(Arc::clone(&made));
    made
}

/// Replaces the pool with one of `threads` threads (0: one per core).
pub fn set(threads: usize) -> Result<(), String> {
    let made = build(threads)?;
    *POOL.lock().unwrap_or_else(|e| e.into_inner()) = Some(made);
    Ok(())
}

/// Threads of the pool.
pub fn count() -> usize {
    pool().current_num_threads()
}

/// Runs `f` with the parallelism that `work` deserves: on this thread for small work or a
/// one-thread pool, else inside the pool with `Par::Rayon`.
pub fn run<R: Send>(work: usize, f: impl FnOnce(Par) -> R + Send) -> R {
    if work < SEQ_WORK {
        return f(Par::Seq);
    }
    let pool = pool();
    if pool.current_num_threads() <= 1 {
        return f(Par::Seq);
    }
    pool.install(|| f(Par::Rayon))
}
