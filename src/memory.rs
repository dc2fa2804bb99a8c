//! Byte accounting: what a matrix costs in memory ([`Footprint`]), and sizes as people write
//! them ([`parse_size`], [`format_bytes`]).

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

/// Parses a size such as `64MiB`, `1.5GiB`, `4096`, `256k`: a number with an optional unit
/// B, K/KB/KiB, M/MB/MiB, G/GB/GiB or T/TB/TiB (case-insensitive; every unit is a power of
/// 1024, as memory budgets are counted). The command-line tools and the Python package take
/// budgets in this form.
///
/// # Errors
///
/// A message naming the input when it is not a non-negative number, the unit is unknown, or
/// the size does not fit `usize`.
///
/// # Examples
///
/// ```
/// use matvec::memory::parse_size;
///
/// assert_eq!(parse_size("64MiB"), Ok(64 << 20));
/// assert_eq!(parse_size("1.5 GiB"), Ok(3 << 29));
/// assert_eq!(parse_size("4096"), Ok(4096));
/// assert!(parse_size("12 parsecs").is_err());
/// ```
pub fn parse_size(s: &str) -> std::result::Result<usize, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("invalid size '{s}': expected a number such as 64MiB"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1u64,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        u => {
            return Err(format!(
                "invalid size '{s}': unknown unit '{u}' (use B, KiB, MiB, GiB or TiB)"
            ));
        }
    };
    let bytes = n * mult as f64;
    if !(bytes.is_finite() && bytes >= 0.0 && bytes < usize::MAX as f64) {
        return Err(format!("invalid size '{s}'"));
    }
    Ok(bytes as usize)
}

/// Renders a byte count as `1.5 GiB`, `64.0 MiB`, `12.0 KiB` or `100 B` (powers of 1024).
///
/// ```
/// assert_eq!(matvec::memory::format_bytes(3 << 29), "1.5 GiB");
/// assert_eq!(matvec::memory::format_bytes(100), "100 B");
/// ```
pub fn format_bytes(bytes: usize) -> String {
    let b = bytes as f64;
    for (unit, scale) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if b >= scale as f64 {
            return format!("{:.1} {unit}", b / scale as f64);
        }
    }
    format!("{bytes} B")
}
