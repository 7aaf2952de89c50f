//! Active minutes per contact over the windows the metrics read (the health usage window as of
//! D and as of D_prev, the candidates' tenure window), from one pass over the usage rows: each
//! window is a column of the minutes that fall in it, summed exactly per contact.

use polars::prelude::*;

use super::exprs::within;
use crate::calendar::Window;
use crate::vocab::exact;

pub struct Minutes {
    windows: Vec<Window>,
    /// `contact_id` and one `minutes_<i>` column per window.
    sums: DataFrame,
}

impl Minutes {
    /// `None` when no usage input is configured.
    pub fn new(usage: Option<&DataFrame>, windows: &[Window]) -> PolarsResult<Option<Minutes>> {
        let Some(usage) = usage else { return Ok(None) };
        let mut unique: Vec<Window> = Vec::new();
        for w in windows {
            if !unique.contains(w) {
                unique.push(*w);
            }
        }
        let masked: Vec<Expr> = unique
            .iter()
            .enumerate()
            .map(|(i, w)| {
                when(within(col("date"), *w))
                    .then(col("active_minutes"))
                    .otherwise(lit(0.0))
                    .alias(format!("minutes_{i}"))
            })
            .collect();
        let names: Vec<String> = (0..unique.len()).map(|i| format!("minutes_{i}")).collect();
        let mut columns = vec![col("contact_id")];
        columns.extend(masked);
        let rows = usage.clone().lazy().select(columns).collect()?;
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let sums = exact::group_sums(&rows, &["contact_id"], &names)?;
        Ok(Some(Minutes { windows: unique, sums }))
    }

    /// `contact_id` and `minutes` over `window`, which must be one of the windows given to
    /// [`Minutes::new`].
    pub fn over(&self, window: Window) -> LazyFrame {
        let i = self
            .windows
            .iter()
            .position(|w| *w == window)
            .expect("minutes computed for every window a metric reads");
        self.sums.clone().lazy().select([col("contact_id"), col(format!("minutes_{i}")).alias("minutes")])
    }
}
