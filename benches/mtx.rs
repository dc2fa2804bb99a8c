//! Matrix Market reading speed: `matvec::io::mtx` on a ~100 MB file, in MB/s of text, to
//! compare with `scipy.io.mmread` on the same file.
//!
//! ```text
//! cargo bench --bench mtx                      # ~1 minute on 2 cores
//! cargo bench --bench mtx -- mtx/read_csr/rayon  # one function
//! MATVEC_MTX_FILE=/path/to/big.mtx cargo bench --bench mtx   # your own file instead
//! ```
//!
//! The generated file is written once to `$TMPDIR/matvec-bench-mtx/` (and reused while its
//! size matches): a 1 000 000 × 1 000 000 `coordinate real general` matrix of 3 000 000
//! entries, stored column by column with rows sorted within each column (the order of
//! SuiteSparse files, which `into_csr` must re-bucket), random values in (-1, 1) printed in
//! shortest round-trip form (about 18 significant digits, the worst case for float parsing).
//! Deterministic (SplitMix64, fixed seed).
//!
//! Functions (criterion's `Throughput::Bytes` = the file size, so its MB/s are file MB/s):
//!
//! * `read_coo/{seq,rayon}`: text to triplets (what `scipy.io.mmread` returns);
//! * `read_csr/{seq,rayon}`: text to CSR (triplets, then `Coo::into_csr` in place);
//! * `write_csr`: CSR back to text.
//!
//! The bench prints the command that times scipy on the same file (scipy ≥ 1.12 reads with
//! fast_matrix_market on all cores).

mod common;

use criterion::{Criterion, SamplingMode, Throughput};
use matvec::Par;
use matvec::io::mtx::{self, MtxReader};
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

const N: usize = 1_000_000;
const NNZ: usize = 3_000_000;
const SEED: u64 = 0x5EED_0A7E;

/// The shared SplitMix64, with this bench's two draws.
struct Rng(common::SplitMix64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n as u64) as usize
    }
    /// Uniform in (-1, 1), all 53 bits used.
    fn value(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// Writes the benchmark file (column by column) unless a file of the same size is there.
fn generate(path: &Path) -> std::io::Result<()> {
    let mut rng = Rng(common::SplitMix64::new(SEED));
    // Column counts: NNZ entries spread uniformly over the columns.
    let mut count = vec![0u32; N];
    for _ in 0..NNZ {
        count[rng.below(N)] += 1;
    }
    let mut text = Vec::with_capacity(NNZ * 36);
    writeln!(
        text,
        "%%MatrixMarket matrix coordinate real general\n% matvec benches/mtx.rs, seed {SEED:#x}\n{N} {N} {NNZ}"
    )?;
    let mut rows = Vec::new();
    for (j, &c) in count.iter().enumerate() {
        rows.clear();
        rows.extend((0..c).map(|_| rng.below(N)));
        rows.sort_unstable();
        for &i in &rows {
            writeln!(text, "{} {} {}", i + 1, j + 1, rng.value())?;
        }
    }
    if std::fs::metadata(path).is_ok_and(|m| m.len() == text.len() as u64) {
        return Ok(());
    }
    let tmp = path.with_extension("tmp");
    let mut f = BufWriter::new(std::fs::File::create(&tmp)?);
    f.write_all(&text)?;
    f.into_inner()?.sync_all()?;
    std::fs::rename(&tmp, path)
}

fn bench_file() -> PathBuf {
    if let Ok(p) = std::env::var("MATVEC_MTX_FILE") {
        return PathBuf::from(p);
    }
    let dir = std::env::temp_dir().join("matvec-bench-mtx");
    std::fs::create_dir_all(&dir).expect("create the bench directory");
    let path = dir.join("random_1m_3m.mtx");
    generate(&path).expect("write the bench file");
    path
}

fn main() {
    let path = bench_file();
    let bytes = std::fs::metadata(&path).expect("bench file").len();
    let h = mtx::read_header(&path).expect("bench file header");
    eprintln!(
        "{}: {h}, {:.1} MB\n\
         compare with scipy on the same file (prints MB/s of mmread and of mmread().tocsr()):\n  \
         python3 -c \"import scipy.io, time, os, sys; p = sys.argv[1]; mb = os.path.getsize(p) / 1e6; \
         t = time.perf_counter(); a = scipy.io.mmread(p); t1 = time.perf_counter(); a.tocsr(); \
         t2 = time.perf_counter(); print(f'mmread {{mb / (t1 - t):.0f}} MB/s, +tocsr {{mb / (t2 - t):.0f}} MB/s')\" {}",
        path.display(),
        bytes as f64 / 1e6,
        path.display()
    );

    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("mtx");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Bytes(bytes));
    for (name, par) in [("seq", Par::Seq), ("rayon", Par::Rayon)] {
        g.bench_function(format!("read_coo/{name}"), |b| {
            b.iter(|| {
                let r = MtxReader::open(&path).unwrap().par(par);
                black_box(r.read_coo::<f64, u32>().unwrap())
            })
        });
        g.bench_function(format!("read_csr/{name}"), |b| {
            b.iter(|| {
                let r = MtxReader::open(&path).unwrap().par(par);
                black_box(r.read_csr::<f64, u32>().unwrap())
            })
        });
    }
    let a = mtx::read_csr::<f64, u32>(&path).expect("read the bench file");
    let out = path.with_file_name("written.mtx");
    g.bench_function("write_csr", |b| {
        b.iter(|| mtx::write_csr(&out, a.view()).unwrap())
    });
    let _ = std::fs::remove_file(&out);
    g.finish();
    c.final_summary();
}
