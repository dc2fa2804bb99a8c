//! Scratch memory a matrix owns for kernels that need it: allocated on first use, kept and
//! reused (so products allocate nothing in steady state), counted by the owner's
//! `Footprint`, never cloned and never compared.
//!
//! A product that finds the workspace busy (another thread is using it: products on a shared
//! `&Csr` may run concurrently) runs the scratch-free kernel instead, which gives the same
//! bits — the workspace only ever changes where the kernel reads its inputs from, never the
//! arithmetic. So concurrency costs speed at worst, never determinism, and nothing blocks.

use crate::Scalar;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// One scratch buffer of 8-byte words, behind a lock that is tried, never waited for; its
/// size in bytes (readable while another thread holds the lock); and a decision about the
/// matrix made once (whether a kernel that needs the scratch pays; decided for the vector
/// precision of the first call, which only matters for speed).
#[derive(Default)]
pub(crate) struct Workspace(Mutex<Vec<u64>>, AtomicUsize, OnceLock<bool>);

impl Workspace {
    /// `decide()`, computed on the first call and remembered.
    pub(crate) fn decision(&self, decide: impl FnOnce() -> bool) -> bool {
        *self.2.get_or_init(decide)
    }

    /// Runs `f` on a scratch slice of `len` values of `T` (contents unspecified), growing the
    /// buffer if needed; `None`, without running `f`, if another thread holds it.
    pub(crate) fn with<T: Scalar, R>(
        &self,
        len: usize,
        f: impl FnOnce(&mut [T]) -> R,
    ) -> Option<R> {
        let mut words = self.0.try_lock().ok()?;
        let need = (len * size_of::<T>()).div_ceil(8);
        if words.len() < need {
            words.resize(need, 0);
            self.1.store(words.capacity() * 8, Ordering::Relaxed);
        }
        let values = T::from_words_mut(&mut words[..need]);
        Some(f(&mut values[..len]))
    }

    /// Bytes held: 0 before the first use, then the buffer's capacity, kept until the owner
    /// is dropped (clones start without it).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.1.load(Ordering::Relaxed)
    }
}

impl Clone for Workspace {
    fn clone(&self) -> Self {
        Workspace::default()
    }
}

impl PartialEq for Workspace {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Workspace({} bytes)", self.heap_bytes())
    }
}
