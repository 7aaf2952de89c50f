//! Bad input, at volume: a fixed-seed generator spoils the tiny dataset's exports and the
//! pipeline file in the ways real files go wrong, and every case must keep README's "Bad
//! input" promise: no panic and no internal error (exit 3); an input error (exit 2) names the
//! file; a successful run accounts for every row (`rows_read = rows_accepted + rows_rejected`,
//! and `rejects/<table>.csv` holds exactly the rejected rows).
//!
//! Two tests: `mutated_exports_keep_the_bad_input_promise` (structured mutations: truncations,
//! dropped and renamed columns, bad encodings, odd delimiters, out-of-range numbers and dates,
//! ragged and blank lines) and `arbitrary_bytes_never_panic` (a bounded fuzz pass: random bytes
//! and byte flips into the CSV, JSON-lines and Parquet loaders and the pipeline-file parser).
//! `MUTATION_CASES` and `FUZZ_CASES` set the number of cases (defaults 240 and 150); README
//! documents a longer run.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use common::{read_csv, temp_dir, tiny_dir};

/// xorshift64*: small, fixed-seed, enough for choosing mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const TABLES: [&str; 9] = [
    "accounts",
    "csms",
    "contacts",
    "opportunities",
    "advocacy_activities",
    "nps_responses",
    "webinar_attendance",
    "usage",
    "job_changes",
];

/// A copy of the tiny dataset in a fresh folder; returns the pipeline path.
fn fresh_copy(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::create_dir_all(dir.join("inputs")).unwrap();
    for table in TABLES {
        let file = format!("inputs/{table}.csv");
        std::fs::copy(tiny_dir().join(&file), dir.join(&file)).unwrap();
    }
    let pipeline = std::fs::read_to_string(tiny_dir().join("pipeline.toml"))
        .unwrap()
        .lines()
        .map(|l| if l.starts_with("out = ") { "out = \"out\"" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("pipeline.toml"), pipeline + "\n").unwrap();
    dir.join("pipeline.toml")
}

/// One structured mutation of a CSV text; returns the new bytes and what was done.
fn mutate(rng: &mut Rng, text: &str) -> (Vec<u8>, String) {
    let lines: Vec<&str> = text.lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let column = rng.below(header.len());
    let map_field = |f: &dyn Fn(&str) -> String| -> String {
        let mut out = String::new();
        for (i, line) in lines.iter().enumerate() {
            let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
            if i > 0 && column < fields.len() {
                fields[column] = f(&fields[column]);
            }
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out
    };
    match rng.below(12) {
        0 => {
            let cut = rng.below(text.len());
            (text.as_bytes()[..cut].to_vec(), format!("truncated at byte {cut}"))
        }
        1 => {
            let out: Vec<String> = lines
                .iter()
                .map(|l| {
                    let mut f: Vec<&str> = l.split(',').collect();
                    if column < f.len() {
                        f.remove(column);
                    }
                    f.join(",")
                })
                .collect();
            (format!("{}\n", out.join("\n")).into_bytes(), format!("dropped column {}", header[column]))
        }
        2 => {
            let renamed = text.replacen(header[column], &format!("{}_x", header[column]), 1);
            (renamed.into_bytes(), format!("renamed column {}", header[column]))
        }
        3 => {
            // One character in Windows-1252 (an é as the single byte 0xE9).
            let mut bytes = text.as_bytes().to_vec();
            let at = rng.below(bytes.len());
            bytes.insert(at, 0xe9);
            (bytes, format!("a cp1252 byte at {at}"))
        }
        4 => {
            let mut utf16 = vec![0xff, 0xfe];
            utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
            (utf16, "UTF-16LE".into())
        }
        5 => {
            let delimiter = *rng.pick(&[";", "\t", "|"]);
            (text.replace(',', delimiter).into_bytes(), format!("delimiter {delimiter:?}"))
        }
        6 => {
            let value = *rng.pick(&["1e400", "-1", "99999999999999999999999", "NaN", "12,5", "-0", "1e-400"]);
            (map_field(&|_| value.to_string()).into_bytes(), format!("{} = {value}", header[column]))
        }
        7 => {
            let value = *rng.pick(&[
                "-9500000000000000",
                "0000-01-01",
                "9999-12-31",
                "2026-02-30",
                "99999999999999",
                "1899-12-31",
                "2026-13-01T00:00:00Z",
            ]);
            (map_field(&|_| value.to_string()).into_bytes(), format!("{} = {value}", header[column]))
        }
        8 => {
            let at = 1 + rng.below(lines.len().saturating_sub(1).max(1));
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out.insert(at.min(out.len()), String::new());
            out.insert(at.min(out.len()), format!("{},extra,fields", lines[at.min(lines.len() - 1)]));
            (format!("{}\n", out.join("\n")).into_bytes(), "blank and long lines".into())
        }
        9 => {
            let value = *rng.pick(&["=1+1", "\"a\"\"b", "\u{0}", "   ", "\r", "@x", "\"unterminated"]);
            (map_field(&|_| value.to_string()).into_bytes(), format!("{} = {value:?}", header[column]))
        }
        10 => {
            let mut bytes = text.as_bytes().to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            (bytes, "byte flips".into())
        }
        _ => {
            let out: String = lines.iter().map(|l| format!("{l}\r\n")).collect::<String>() + "\n\n";
            (out.into_bytes(), "CRLF and trailing blank lines".into())
        }
    }
}

/// Runs the pipeline in-process; a panic is a failure with `what` in the message.
fn run_case(pipeline: &Path, what: &str) -> Result<(), advocacy::error::Error> {
    let options =
        advocacy::RunOptions { pipeline: pipeline.to_path_buf(), quiet: true, ..Default::default() };
    catch_unwind(AssertUnwindSafe(|| advocacy::run(&options).map(|_| ())))
        .unwrap_or_else(|_| panic!("a panic on {what}"))
}

/// Every table's counts add up and match its rejects file.
fn check_accounting(out: &Path, what: &str) {
    let quality = read_csv(&out.join("data/data_quality.csv"));
    let column = |name: &str| -> Vec<u64> {
        quality.column(name).unwrap().str().unwrap().iter().map(|v| v.unwrap().parse().unwrap()).collect()
    };
    let tables: Vec<String> =
        quality.column("table").unwrap().str().unwrap().iter().map(|v| v.unwrap().to_string()).collect();
    let (read, accepted, rejected) = (column("rows_read"), column("rows_accepted"), column("rows_rejected"));
    for (i, table) in tables.iter().enumerate() {
        assert_eq!(read[i], accepted[i] + rejected[i], "{what}: {table}");
        let rejects = read_csv(&out.join(format!("rejects/{table}.csv")));
        assert_eq!(rejects.height() as u64, rejected[i], "{what}: rejects/{table}.csv");
    }
}

fn cases(variable: &str, default: usize) -> usize {
    std::env::var(variable).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn mutated_exports_keep_the_bad_input_promise() {
    let mut rng = Rng(0x5eed_2026_1202);
    let (mut ok, mut input_errors) = (0, 0);
    for case in 0..cases("MUTATION_CASES", 240) {
        let pipeline = fresh_copy("mutation");
        let dir = pipeline.parent().unwrap().to_path_buf();
        let table = *rng.pick(&TABLES);
        let file = dir.join(format!("inputs/{table}.csv"));
        let (bytes, how) = mutate(&mut rng, &std::fs::read_to_string(&file).unwrap());
        std::fs::write(&file, bytes).unwrap();
        let what = format!("case {case}: {table}.csv, {how}");
        match run_case(&pipeline, &what) {
            Ok(()) => {
                ok += 1;
                check_accounting(&dir.join("out"), &what);
            }
            Err(err) => {
                let code = err.exit_code();
                assert_ne!(code, 3, "{what}: internal error: {err}");
                if code == 2 {
                    input_errors += 1;
                    assert!(err.to_string().contains(&format!("{table}.csv")), "{what}: {err}");
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    // The mix is broad enough to exercise both outcomes.
    assert!(ok > 20 && input_errors > 10, "ok {ok}, input errors {input_errors}");
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = Rng(0xf022_0001);
    let valid_pipeline = std::fs::read_to_string(fresh_copy("fuzz-base")).unwrap();
    for case in 0..cases("FUZZ_CASES", 150) {
        let pipeline = fresh_copy("fuzz");
        let dir = pipeline.parent().unwrap().to_path_buf();
        let target = rng.below(4);
        let length = rng.below(600);
        let noise: Vec<u8> = (0..length).map(|_| rng.next() as u8).collect();
        let what = match target {
            0 => {
                // Random bytes after a valid header, as CSV.
                let table = *rng.pick(&TABLES);
                let file = dir.join(format!("inputs/{table}.csv"));
                let header = std::fs::read_to_string(&file).unwrap().lines().next().unwrap().to_string();
                let mut bytes = format!("{header}\n").into_bytes();
                bytes.extend(&noise);
                std::fs::write(&file, bytes).unwrap();
                format!("case {case}: {table}.csv random rows")
            }
            1 => {
                // JSON lines: random bytes, or a valid object with flipped bytes.
                let mut text = b"{\"response_id\":\"R1\",\"contact_id\":\"C1\",\"responded_on\":\"2026-09-01\",\"score\":9}\n".to_vec();
                if rng.below(2) == 0 {
                    text = noise.clone();
                } else {
                    let at = rng.below(text.len());
                    text[at] = rng.next() as u8;
                }
                std::fs::write(dir.join("inputs/nps_responses.jsonl"), text).unwrap();
                let p = std::fs::read_to_string(&pipeline)
                    .unwrap()
                    .replace("nps_responses.csv", "nps_responses.jsonl");
                std::fs::write(&pipeline, p).unwrap();
                format!("case {case}: nps_responses.jsonl")
            }
            2 => {
                // Parquet: a real file's bytes cut or flipped, or random bytes.
                let file = dir.join("inputs/usage.parquet");
                let mut df = polars::prelude::df!("contact_id" => ["C1"], "date" => ["2026-10-10"], "active_minutes" => [5.0]).unwrap();
                let mut bytes = Vec::new();
                polars::prelude::ParquetWriter::new(&mut bytes).finish(&mut df).unwrap();
                match rng.below(3) {
                    0 => bytes.truncate(rng.below(bytes.len())),
                    1 => {
                        let at = rng.below(bytes.len());
                        bytes[at] = rng.next() as u8;
                    }
                    _ => bytes = noise.clone(),
                }
                std::fs::write(&file, bytes).unwrap();
                let p = std::fs::read_to_string(&pipeline).unwrap().replace("usage.csv", "usage.parquet");
                std::fs::write(&pipeline, p).unwrap();
                format!("case {case}: usage.parquet")
            }
            _ => {
                // The pipeline file: random bytes spliced into the valid text.
                let mut text = valid_pipeline.clone().into_bytes();
                let at = rng.below(text.len());
                text.splice(at..at, noise.iter().copied().take(40));
                std::fs::write(&pipeline, text).unwrap();
                format!("case {case}: pipeline.toml")
            }
        };
        if let Err(err) = run_case(&pipeline, &what) {
            assert_ne!(err.exit_code(), 3, "{what}: internal error: {err}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
