//! Byte accounting: what a matrix costs in memory.

/// The memory a matrix holds and the bytes a product reads.
///
/// * [`heap_bytes`](Footprint::heap_bytes): bytes this object owns on the heap, counting the
///   *capacity* of its vectors (what the allocator gave it, not just what is in use). A view
///   owns nothing and reports 0; a memory-mapped matrix reports the bytes it allocated, not the
///   size of the file.
/// * [`data_bytes`](Footprint::data_bytes): bytes of matrix data (offsets, indices, values)
///   the object stores or borrows — what one product streams through, and the figure to divide
///   by a product's time for GB/s.
///
/// # Examples
///
/// ```
/// use matvec::{Csr, Footprint};
///
/// let a = Csr::<f64>::identity(1000); // u32 indices
/// // 1001 offsets × 8 B + 1000 indices × 4 B + 1000 values × 8 B
/// assert_eq!(a.data_bytes(), 1001 * 8 + 1000 * 4 + 1000 * 8);
/// assert!(a.heap_bytes() >= a.data_bytes());
/// ```
pub trait Footprint {
    /// Bytes owned on the heap (vector capacities).
    fn heap_bytes(&self) -> usize;
    /// Bytes of matrix data stored or borrowed.
    fn data_bytes(&self) -> usize;
}

/// Heap bytes of a vector: its capacity times the element size.
pub(crate) fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * std::mem::size_of::<T>()
}
