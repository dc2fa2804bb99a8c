//! Robustness: mutated files give `Ok` or `Err`, never a panic.

use super::*;

/// Every reader on `bytes`, catching panics: returns the text that made one panic.
fn read_every_way(bytes: &[u8]) -> Result<(), String> {
    let run = |f: &dyn Fn()| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .map_err(|_| format!("panic on input:\n{}", String::from_utf8_lossy(bytes)))
    };
    run(&|| {
        if let Ok(r) = MtxReader::new(bytes, "m.mtx") {
            let (m, n) = (r.header().nrows, r.header().ncols);
            if let Ok(a) = r.read_coo::<f64, u32>() {
                assert_eq!((a.nrows(), a.ncols()), (m, n));
            }
        }
    })?;
    run(&|| {
        if let Ok(r) = MtxReader::new(bytes, "m.mtx") {
            let _ = r.par(Par::Seq).read_csr::<f32, usize>();
        }
    })?;
    run(&|| {
        if let Ok(r) = MtxReader::new(bytes, "m.mtx") {
            let _ = r.read_dense::<f64>();
        }
    })
}

#[test]
fn mtx_mutated_files_give_ok_or_err_never_a_panic() {
    let mut seeds: Vec<Vec<u8>> = mtx_files(&fixtures_dir())
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    seeds.push(format!("{GEN}\n% c\n3 3 3\n1 1 1\n\n2 2 2.5e-3\n3 1 -inf\n").into_bytes());
    seeds.push(b"%%MatrixMarket matrix array real symmetric\n3 3\n1\n2\n3\n4\n5\n6\n".to_vec());
    let alphabet: &[u8] = b"0123456789 \t\n\r%-+.eExn%\x00\xff";
    let mut rng = Rng::new(0xF022);
    let mut runs = 0;
    for seed in &seeds {
        for _ in 0..300 {
            let mut b = seed.clone();
            for _ in 0..1 + rng.below(4) {
                if b.is_empty() {
                    break;
                }
                let k = rng.below(b.len());
                match rng.below(6) {
                    0 => b[k] = alphabet[rng.below(alphabet.len())],
                    1 => b[k] = rng.next_u64() as u8,
                    2 => b.truncate(k),
                    3 => {
                        b.remove(k);
                    }
                    4 => b.insert(k, alphabet[rng.below(alphabet.len())]),
                    _ => {
                        // Duplicate a line.
                        let s = b[..k]
                            .iter()
                            .rposition(|&c| c == b'\n')
                            .map_or(0, |p| p + 1);
                        let e = b[k..]
                            .iter()
                            .position(|&c| c == b'\n')
                            .map_or(b.len(), |p| k + p + 1);
                        let line = b[s..e].to_vec();
                        b.splice(e..e, line);
                    }
                }
            }
            if let Err(msg) = read_every_way(&b) {
                panic!("{msg}");
            }
            runs += 1;
        }
    }
    // Every prefix of one file, too.
    let seed = &seeds[0];
    for k in 0..=seed.len() {
        read_every_way(&seed[..k]).unwrap();
    }
    assert!(runs > 5000);
}
