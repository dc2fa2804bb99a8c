//! Concurrency: several threads share one matrix of each type — in memory by reference
//! (`&Csr`, `&Csc`, `&Coo`, `&Dense`, `&PatternCsr`), mapped and streamed through an `Arc` —
//! and run products at the same time for a few seconds, each on its own rayon pool (of 1, 2
//! or 3 threads) with nested `rayon::join`s inside, under `Par::Rayon`. Every result must
//! equal the sequential product bit for bit.

use super::out_of_core::{Shared, out_of_core};
use super::*;
use crate::common::TempDir;
use std::time::{Duration, Instant};

/// The four products of `a` on fixed vectors, as one vector of bits.
fn products(a: &(dyn MatVec<f64> + Sync), par: Par) -> Vec<u64> {
    let (m, n) = a.shape();
    let x: Vec<f64> = (0..n * 3).map(|j| ((j * 7) % 11) as f64 - 5.0).collect();
    let xt: Vec<f64> = (0..m * 3).map(|i| ((i * 5) % 9) as f64 - 4.0).collect();
    let mut out = Vec::new();
    let mut y = vec![1.0; m];
    a.mul_vec(0.5, &x[..n], 2.0, &mut y, par);
    out.extend(y.iter().map(|v| v.to_bits()));
    let mut y = vec![1.0; n];
    a.mul_vec_t(-1.5, &xt[..m], 0.0, &mut y, par);
    out.extend(y.iter().map(|v| v.to_bits()));
    let mut y = vec![1.0; 3 * m];
    a.mul_mat(1.0, &x, -1.0, &mut y, par);
    out.extend(y.iter().map(|v| v.to_bits()));
    let mut y = vec![1.0; 3 * n];
    a.mul_mat_t(2.0, &xt, 0.0, &mut y, par);
    out.extend(y.iter().map(|v| v.to_bits()));
    out
}

#[test]
fn shared_matrices_give_sequential_results_under_concurrent_products() {
    // Irregular values (not small integers): any change of summation order would show.
    let o = {
        let mut o = Oracle::random(1500, 1100, 0.02, 7, false);
        o.a[3] = vec![0.5; 1100]; // one dense row among sparse ones
        o
    };
    let owned = build::<f64, u32>(&o, 3);
    let pattern = PatternCsr::try_from_csr(owned.csr_into.view()).ok();
    let dir = TempDir::new("conformance-concurrency");
    let files: Vec<(String, Shared)> = out_of_core(&o, &dir, "c");
    let mut mats: Vec<(String, &(dyn MatVec<f64> + Sync))> = vec![
        ("Csr".into(), &owned.csr_into),
        ("Csc".into(), &owned.csc_into),
        ("Coo".into(), &owned.coo),
        ("Dense row-major".into(), &owned.dense_r),
        ("Dense col-major".into(), &owned.dense_c),
    ];
    if let Some(p) = &pattern {
        mats.push(("PatternCsr".into(), p));
    }
    for (name, a) in &files {
        mats.push((name.clone(), &**a));
    }
    let want: Vec<Vec<u64>> = mats.iter().map(|(_, a)| products(*a, Par::Seq)).collect();
    let pools: Vec<rayon::ThreadPool> = (1..=3)
        .map(|t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(3);
    let rounds = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..4 {
            let (mats, want, pool, rounds) = (&mats, &want, &pools[t % 3], &rounds);
            s.spawn(move || {
                pool.install(|| {
                    let mut k = t;
                    while Instant::now() < deadline {
                        // Two products at once inside this pool (nested parallelism).
                        let (i, j) = (k % mats.len(), (k * 7 + 3) % mats.len());
                        let (a, b) = rayon::join(
                            || products(mats[i].1, Par::Rayon),
                            || products(mats[j].1, Par::Rayon),
                        );
                        assert!(a == want[i], "{} differs under concurrency", mats[i].0);
                        assert!(b == want[j], "{} differs under concurrency", mats[j].0);
                        k += 1;
                        rounds.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                })
            });
        }
    });
    // Every type ran concurrently with the others, many times over.
    assert!(
        rounds.into_inner() >= 2 * mats.len(),
        "too few rounds to mean anything"
    );
}

/// Every matrix type is `Send + Sync`, so any of them fits `matvec::DynMatVec` (checked at
/// compile time: this test fails to build if one is not).
#[test]
fn every_matrix_type_is_send_and_sync() {
    fn shareable<A: MatVec<f64> + Send + Sync>() {}
    use matvec::stream::{StreamCsc, StreamCsr, StreamDense};
    use matvec::{CscView, CsrView, DenseView, MmapCsc, MmapCsr, MmapDense};
    shareable::<Csr<f64>>();
    shareable::<Csr<f32, usize>>();
    shareable::<CsrView<'static, f64>>();
    shareable::<Csc<f64>>();
    shareable::<CscView<'static, f64>>();
    shareable::<Coo<f64>>();
    shareable::<Dense<f64>>();
    shareable::<DenseView<'static, f32>>();
    shareable::<PatternCsr<f64>>();
    shareable::<MmapDense<f64>>();
    shareable::<MmapCsr<f64>>();
    shareable::<MmapCsc<f32, usize>>();
    shareable::<matvec::mmap::MappedOrLoaded<f64>>();
    shareable::<StreamDense<f64>>();
    shareable::<StreamCsr<f64, usize>>();
    shareable::<StreamCsc<f32, usize>>();
    shareable::<Transposed<Csr<f64>>>();
    #[cfg(feature = "hdf5")]
    shareable::<matvec::stream::StreamHdf5<f64>>();
    let boxed: Box<matvec::DynMatVec<f64>> = Box::new(Csr::<f64>::identity(2));
    let shared = std::sync::Arc::<matvec::DynMatVec<f64>>::from(boxed);
    let t = std::thread::spawn(move || shared.matvec(&[1.0, 2.0]));
    assert_eq!(t.join().unwrap(), vec![1.0, 2.0]);
}
