//! Float sums that do not depend on the order of addition.
//!
//! Polars adds the values of a group in an order that depends on how its threads split the
//! work, so two runs can differ in the last bit of a sum of fractional amounts, and the outputs
//! must be byte-identical. These aggregations return the correctly rounded exact sum (the
//! algorithm of Shewchuk, as in Python's `math.fsum`), which is the same whatever the order.

use polars::prelude::*;

/// The correctly rounded sum of `values` (nulls skipped; 0 for none).
pub fn fsum(values: impl IntoIterator<Item = f64>) -> f64 {
    fsum_with(&mut Vec::new(), values)
}

/// [`fsum`] with a scratch buffer the caller reuses across many sums.
fn fsum_with(partials: &mut Vec<f64>, values: impl IntoIterator<Item = f64>) -> f64 {
    partials.clear();
    for mut x in values {
        let mut kept = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let high = x + y;
            let low = y - (high - x);
            if low != 0.0 {
                partials[kept] = low;
                kept += 1;
            }
            x = high;
        }
        partials.truncate(kept);
        partials.push(x);
    }
    round_partials(partials)
}

/// Adds non-overlapping partials (largest last) with one final rounding, breaking ties the way
/// a single addition would.
fn round_partials(partials: &[f64]) -> f64 {
    let Some((&last, rest)) = partials.split_last() else { return 0.0 };
    let mut high = last;
    let mut low = 0.0;
    let mut n = rest.len();
    while n > 0 {
        let x = high;
        let y = rest[n - 1];
        n -= 1;
        high = x + y;
        low = y - (high - x);
        if low != 0.0 {
            break;
        }
    }
    if n > 0 && ((low < 0.0 && rest[n - 1] < 0.0) || (low > 0.0 && rest[n - 1] > 0.0)) {
        let y = low * 2.0;
        let x = high + y;
        if y == x - high {
            high = x;
        }
    }
    high
}

/// One row per group of `by`, with the keys and the exact sum of each of `values` (floats
/// summed exactly, integers as integers), in no particular order. Polars finds the groups; the
/// sums are one pass over the rows, so this scales to millions of groups.
pub fn group_sums(df: &DataFrame, by: &[&str], values: &[&str]) -> PolarsResult<DataFrame> {
    let grouped = df.group_by(by.iter().copied())?;
    let groups = grouped.get_groups();
    let mut columns = grouped.keys();
    for name in values {
        let column = df.column(name)?;
        if column.dtype().is_integer() {
            let cast = column.cast(&DataType::Int64)?;
            let ints = cast.i64()?.rechunk();
            let sums: Vec<i64> = groups.iter().map(|g| rows(&g).filter_map(|i| ints.get(i)).sum()).collect();
            columns.push(Column::new((*name).into(), sums));
        } else {
            let cast = column.cast(&DataType::Float64)?;
            let floats = cast.f64()?.rechunk();
            let mut scratch = Vec::new();
            let sums: Vec<f64> = match floats.cont_slice() {
                // No nulls: index the values directly.
                Ok(values) => groups
                    .iter()
                    .map(|g| match g.len() {
                        1 => values[g.first() as usize],
                        _ => fsum_with(&mut scratch, rows(&g).map(|i| values[i])),
                    })
                    .collect(),
                Err(_) => groups
                    .iter()
                    .map(|g| fsum_with(&mut scratch, rows(&g).filter_map(|i| floats.get(i))))
                    .collect(),
            };
            columns.push(Column::new((*name).into(), sums));
        }
    }
    DataFrame::new_infer_height(columns)
}

/// The row numbers of one group.
fn rows<'a>(group: &'a GroupsIndicator) -> Box<dyn Iterator<Item = usize> + 'a> {
    match group {
        GroupsIndicator::Idx((_, idx)) => Box::new(idx.iter().map(|&i| i as usize)),
        GroupsIndicator::Slice([first, len]) => Box::new(*first as usize..(*first + *len) as usize),
    }
}

fn float_values(c: &Column) -> PolarsResult<Vec<f64>> {
    let values = c.cast(&DataType::Float64)?;
    Ok(values.f64()?.iter().flatten().collect())
}

/// The exact sum of `expr` (per group inside an `agg`, over the column in a `select`).
pub fn sum(expr: Expr) -> Expr {
    expr.agg_with_fmt_str(
        |c| Ok(Column::new(c.name().clone(), [fsum(float_values(&c)?)])),
        |_, f| Ok(Field::new(f.name().clone(), DataType::Float64)),
        "exact_sum",
    )
}

/// The exact mean of the non-null values of `expr`; null when there are none.
pub fn mean(expr: Expr) -> Expr {
    expr.agg_with_fmt_str(
        |c| {
            let values = float_values(&c)?;
            let mean = (!values.is_empty()).then(|| fsum(values.iter().copied()) / values.len() as f64);
            Ok(Column::new(c.name().clone(), [mean]))
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Float64)),
        "exact_mean",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sum_does_not_depend_on_order() {
        let values = [0.1, 0.2, 0.3, 1e16, -1e16, 68.05, 95.0, 48.0];
        let forward = fsum(values);
        let backward = fsum(values.iter().rev().copied());
        assert_eq!(forward.to_bits(), backward.to_bits());
        // 0.1 + 0.2 + 0.3 is 0.6000000000000001 naively; the exact sum rounds to 0.6.
        assert_eq!(fsum([0.1, 0.2, 0.3]), 0.6);
        assert_eq!(fsum([]), 0.0);
        assert_eq!(fsum([1e100, 1.0, -1e100]), 1.0);
    }

    #[test]
    fn group_sums_by_key_are_exact_and_complete() {
        let df = df! {
            "k" => ["a", "b", "a", "a", "c"],
            "v" => [Some(0.1), Some(5.0), Some(0.2), Some(0.3), None],
            "n" => [1i64, 2, 3, 4, 5],
        }
        .unwrap();
        let out = group_sums(&df, &["k"], &["v", "n"])
            .unwrap()
            .sort(["k"], SortMultipleOptions::default())
            .unwrap();
        let v: Vec<Option<f64>> = out.column("v").unwrap().f64().unwrap().iter().collect();
        let n: Vec<Option<i64>> = out.column("n").unwrap().i64().unwrap().iter().collect();
        // a: 0.1 + 0.2 + 0.3 = 0.6 exactly rounded (naively 0.6000000000000001); c: no values -> 0.
        assert_eq!(v, [Some(0.6), Some(5.0), Some(0.0)]);
        assert_eq!(n, [Some(8), Some(2), Some(5)]);
    }

    #[test]
    fn group_sums_are_bit_identical_across_runs() {
        let n = 466usize;
        let keys: Vec<String> = (0..n).map(|i| format!("S{}", (i * 7919) % 6)).collect();
        let values: Vec<f64> = (0..n).map(|i| ((i * 2_654_435_761) % 10_007) as f64 / 97.0).collect();
        let df = df! {"k" => keys, "v" => values}.unwrap();
        let run = || {
            let out = df
                .clone()
                .lazy()
                .group_by([col("k")])
                .agg([sum(col("v")).alias("s"), mean(col("v")).alias("m")])
                .sort(["k"], SortMultipleOptions::default())
                .collect()
                .unwrap();
            let bits = |name: &str| -> Vec<u64> {
                out.column(name).unwrap().f64().unwrap().into_no_null_iter().map(f64::to_bits).collect()
            };
            (bits("s"), bits("m"))
        };
        let first = run();
        for _ in 0..30 {
            assert_eq!(run(), first);
        }
    }
}
