//! Reading a file in parts (`MtxReader::read_part`, what each MPI process does): the parts
//! together are exactly the whole-file reader's triplets, and a bad file gives the whole-file
//! reader's error, on the same line, from the part that holds it.

use super::*;
use matvec::io::mtx::MtxPart;

/// Every part of `path` cut `parts` ways, or the first part's error in file order (then the
/// count check across the parts, as a caller summing `entries` makes it).
fn read_in_parts(path: &Path, parts: usize, par: Par) -> Result<Vec<MtxPart<f64, u32>>, Error> {
    let mut got = Vec::new();
    for k in 0..parts {
        got.push(
            MtxReader::open(path)?
                .par(par)
                .read_part::<f64, u32>(k, parts)?,
        );
    }
    let total = got.iter().map(|p| p.entries()).sum();
    got[0].check_entries(total)?;
    Ok(got)
}

/// The parts' triplets one after the other.
fn concatenated(parts: &[MtxPart<f64, u32>]) -> (Vec<u32>, Vec<u32>, Vec<u64>) {
    let mut t = (Vec::new(), Vec::new(), Vec::new());
    for p in parts {
        t.0.extend_from_slice(p.coo().rows());
        t.1.extend_from_slice(p.coo().cols());
        t.2.extend(p.coo().values().iter().map(|v| v.to_bits()));
    }
    t
}

fn triplets(a: &Coo<f64, u32>) -> (Vec<u32>, Vec<u32>, Vec<u64>) {
    let v = a.values().iter().map(|v| v.to_bits()).collect();
    (a.rows().to_vec(), a.cols().to_vec(), v)
}

/// A coordinate file with comment and blank lines between the data, mixed line ends and
/// spacing, of the given symmetry.
fn messy_file(rng: &mut Rng, symmetry: &str, n: usize, entries: usize) -> String {
    let mut s = format!("%%MatrixMarket matrix coordinate real {symmetry}\n% made by a test\n");
    s += &format!("{n} {n} {entries}\n");
    for _ in 0..entries {
        match rng.below(8) {
            0 => s += "% a comment between the data\n",
            1 => s += "\n",
            _ => {}
        }
        let i = 1 + rng.below(n);
        let j = if symmetry == "general" {
            1 + rng.below(n)
        } else {
            1 + rng.below(i)
        };
        let end = if rng.below(3) == 0 { "\r\n" } else { "\n" };
        s += &format!("{i}\t{j}  {:e}{end}", any_value(rng));
    }
    s
}

#[test]
fn mtx_parts_tile_the_file_and_equal_the_whole_read() {
    let dir = TempDir::new("mtx-parts");
    let mut rng = Rng::new(0x9A27);
    let mut files: Vec<PathBuf> = mtx_files(&fixtures_dir())
        .into_iter()
        .filter(|p| mtx::read_header(p).unwrap().format == MtxFormat::Coordinate)
        .collect();
    for (k, sym) in ["general", "symmetric", "skew-symmetric"]
        .iter()
        .enumerate()
    {
        let path = dir.join(format!("messy{k}.mtx"));
        std::fs::write(&path, messy_file(&mut rng, sym, 40, 300)).unwrap();
        files.push(path);
    }
    // No trailing line end, and a file with no entries at all.
    let path = dir.join("no_newline.mtx");
    std::fs::write(&path, format!("{GEN}\n2 2 2\n1 1 1\n2 2 2")).unwrap();
    files.push(path);
    let path = dir.join("empty.mtx");
    std::fs::write(&path, format!("{GEN}\n5 4 0\n")).unwrap();
    files.push(path);
    assert!(files.len() > 8);
    for path in &files {
        let whole = triplets(&mtx::read_coo::<f64, u32>(path).unwrap());
        let len = std::fs::metadata(path).unwrap().len();
        for parts in [1, 2, 3, 4, 7, 64] {
            for par in [Par::Seq, Par::Rayon] {
                let got = read_in_parts(path, parts, par).unwrap();
                assert_eq!(concatenated(&got), whole, "{} in {parts}", path.display());
                // The byte ranges tile the data, ending at the end of the file.
                assert_eq!(got.last().unwrap().bytes().end, len);
                for w in got.windows(2) {
                    assert_eq!(w[0].bytes().end, w[1].bytes().start);
                }
                for p in &got {
                    assert_eq!(p.coo().nrows(), p.header().nrows);
                }
            }
        }
    }
}

#[test]
fn mtx_parts_give_the_whole_reads_error_on_the_same_line() {
    let dir = TempDir::new("mtx-parts-errors");
    let mut rng = Rng::new(0x9A28);
    let seed = messy_file(&mut rng, "symmetric", 30, 120).into_bytes();
    let alphabet: &[u8] = b"0123456789 \t\n%-+.eExn\x00";
    let path = dir.join("m.mtx");
    let (mut failed, mut runs) = (0, 0);
    for _ in 0..400 {
        let mut b = seed.clone();
        for _ in 0..1 + rng.below(3) {
            let k = rng.below(b.len());
            match rng.below(3) {
                0 => b[k] = alphabet[rng.below(alphabet.len())],
                1 => {
                    b.remove(k);
                }
                _ => b.insert(k, alphabet[rng.below(alphabet.len())]),
            }
        }
        std::fs::write(&path, &b).unwrap();
        let whole = mtx::read_coo::<f64, u32>(&path);
        for parts in [2, 3, 5] {
            let got = read_in_parts(&path, parts, Par::Rayon);
            runs += 1;
            match (&whole, got) {
                (Ok(a), Ok(p)) => assert_eq!(concatenated(&p), triplets(a)),
                (Err(w), Err(g)) => {
                    failed += 1;
                    // A count error of the whole reader may come out as the line error
                    // after it, or as the parts' count error; any other error is the same.
                    let count = w.to_string().contains("entries");
                    if !count {
                        assert_eq!(g.to_string(), w.to_string());
                    }
                    assert!(matches!(g, Error::Parse { .. }), "{g}");
                }
                (w, g) => panic!(
                    "whole: {w:?}, parts: {:?}\n--- input:\n{}",
                    g.map(|_| ()),
                    String::from_utf8_lossy(&b)
                ),
            }
        }
    }
    assert!(
        failed > 100 && runs - failed > 50,
        "{failed} of {runs} failed"
    );
}

#[test]
fn mtx_a_part_names_the_line_of_its_error_and_the_count_is_checked() {
    let dir = TempDir::new("mtx-parts-lines");
    let path = dir.join("bad.mtx");
    let mut text = format!("{GEN}\n% comment\n4 4 6\n");
    for i in 1..=4 {
        text += &format!("{i} {i} 1.0\n");
    }
    text += "% another comment\n2 x 1.0\n1 2 3.0\n"; // line 9 is bad
    std::fs::write(&path, &text).unwrap();
    let last = MtxReader::open(&path)
        .unwrap()
        .read_part::<f64, u32>(3, 4)
        .unwrap_err();
    assert!(
        last.to_string()
            .starts_with(&format!("{}: line 9: column index 'x'", path.display())),
        "{last}"
    );
    // Too few entries: each part is fine; the sum is not.
    std::fs::write(&path, format!("{GEN}\n2 2 3\n1 1 1\n2 2 1\n")).unwrap();
    let e = read_in_parts(&path, 2, Par::Seq).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: line 2: the size line declares 3 entries, but the file holds only 2",
            path.display()
        )
    );
    // A part that alone holds more than the declared entries stops there, on its line (the
    // size line is line 2; the last part's second data line is its second entry).
    let mut text = format!("{GEN}\n9 9 1\n");
    for i in 1..=9 {
        text += &format!("{i} {i} 1\n");
    }
    std::fs::write(&path, &text).unwrap();
    let e = MtxReader::open(&path)
        .unwrap()
        .read_part::<f64, u32>(1, 2)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("more entries than the 1 declared by the size line (line 2)"),
        "{e}"
    );
    // Part 1 starts at the first line starting at or after the middle of the data; it fails
    // on its second line.
    let data = text.find("1 1 1").unwrap();
    let cut = data + (text.len() - data) / 2;
    let start = text[cut - 1..].find('\n').unwrap() + cut;
    let line = text[..start].matches('\n').count() as u64 + 2;
    assert!(
        matches!(e, Error::Parse { line: l, .. } if l == line),
        "{e}, want line {line}"
    );
    // An array file cannot be cut.
    std::fs::write(&path, "%%MatrixMarket matrix array real general\n1 1\n5\n").unwrap();
    let e = MtxReader::open(&path)
        .unwrap()
        .read_part::<f64, u32>(0, 1)
        .unwrap_err();
    assert!(e.to_string().contains("only a `coordinate` file"), "{e}");
}
