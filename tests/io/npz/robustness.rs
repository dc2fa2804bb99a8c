//! Robustness: mutated archives give `Ok` or `Err`, never a panic.

use super::*;

/// Every reader on the file `path`, catching panics; runs a product on whatever opens.
fn read_every_way(path: &Path) -> Result<(), String> {
    let run = |what: &str, f: &dyn Fn()| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| {
            let bytes = std::fs::read(path).unwrap_or_default();
            format!(
                "{what} panicked on a file of {} bytes: {:?}",
                bytes.len(),
                bytes
            )
        })
    };
    run("info", &|| {
        let _ = npz::info(path);
    })?;
    run("read", &|| {
        if let Ok(a) = npz::read::<f64, u32>(path) {
            let x = vec![1.0; a.ncols()];
            let _ = a.matvec(&x);
        }
    })?;
    run("read_coo", &|| {
        let _ = npz::read_coo::<f32, usize>(path);
    })?;
    run("open_or_load", &|| {
        if let Ok(a) = load::<f64, u32>(path) {
            let x = vec![1.0; a.ncols()];
            let xt = vec![1.0; a.nrows()];
            let _ = (a.matvec(&x), a.matvec_t(&xt));
        }
    })?;
    run("MmapCsr::open", &|| {
        if let Ok(a) = map_csr::<f64, usize>(path) {
            let x = vec![1.0; a.ncols()];
            let _ = a.matvec(&x);
        }
    })
}

#[test]
fn npz_mutated_files_give_ok_or_err_never_a_panic() {
    let dir = TempDir::new("npz-mutated");
    let fx = fixtures_dir();
    let mut seeds: Vec<Vec<u8>> = [
        "csr_f8_i4_compressed.npz",
        "csr_f8_i8_stored.npz",
        "csc_f4_i4_stored.npz",
        "coo_f8_i4_compressed_duplicates.npz",
        "coo_f8_i8_stored_coords.npz",
        "csr_f8_i4_stored_unsorted.npz",
    ]
    .iter()
    .map(|n| std::fs::read(fx.join(n)).unwrap())
    .collect();
    let ours = dir.join("ours.npz");
    let o = Oracle::random(9, 7, 0.4, 3, true);
    let mut coo = Coo::<f64, usize>::new(9, 7);
    for (i, j, v) in o.triplets() {
        coo.push(i, j, v);
    }
    npz::write_csr(&ours, coo.to_csr().view()).unwrap();
    seeds.push(std::fs::read(&ours).unwrap());
    let mut m = csr_members();
    set(&mut m, "indptr.npy", npy("<i8", &[4], &i64s(&[0, 2, 3, 5])));
    seeds.push(zip_bytes(&m, false));

    let path = dir.join("m.npz");
    let mut rng = Rng::new(0x2b7e_1516);
    let mut runs = 0;
    for seed in &seeds {
        for _ in 0..250 {
            let mut b = seed.clone();
            for _ in 0..1 + rng.below(3) {
                if b.is_empty() {
                    break;
                }
                let k = rng.below(b.len());
                match rng.below(5) {
                    0 => b[k] = rng.next_u64() as u8,
                    1 => b[k] ^= 1 << rng.below(8),
                    2 => b.truncate(k),
                    3 => {
                        b.remove(k);
                    }
                    _ => {
                        // Small integers where headers and sizes live.
                        b[k] = [0, 1, 2, 0x7f, 0x80, 0xff][rng.below(6)];
                    }
                }
            }
            std::fs::write(&path, &b).unwrap();
            if let Err(msg) = read_every_way(&path) {
                panic!("{msg}");
            }
            runs += 1;
        }
    }
    // Every prefix of one stored file.
    let seed = &seeds[seeds.len() - 1];
    for k in (0..=seed.len()).step_by(3) {
        std::fs::write(&path, &seed[..k]).unwrap();
        read_every_way(&path).unwrap();
    }
    assert!(runs >= 2000);
}

#[test]
fn npz_writer_leaves_no_temporary_files() {
    let dir = TempDir::new("npz-writer");
    let a = Csr::<f64>::identity(5);
    let p = dir.join("a.npz");
    npz::write_csr(&p, a.view()).unwrap();
    npz::write_csr(&p, a.view()).unwrap(); // over an existing file
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["a.npz"]);
    // Deterministic: the same matrix gives the same bytes.
    let first = std::fs::read(&p).unwrap();
    npz::write_csr(&p, a.view()).unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), first);
    let c: Csc<f64> = npz::read_csc(&p).unwrap();
    assert_eq!(c.nnz(), 5);
}
