//! Active minutes per contact over the windows the metrics read (the health usage window as of
//! D and as of D_prev, the candidates' tenure window). Ingestion sums them in its one pass over
//! the usage rows (`ingest::usage`); this hands each metric the window it asks for.

use polars::prelude::*;

use crate::calendar::Window;
use crate::ingest::usage::UsageSums;

pub struct Minutes {
    /// Each window and its `contact_id`, `minutes` (contacts with usage in it).
    windows: Vec<(Window, DataFrame)>,
}

impl Minutes {
    /// `None` when no usage input is configured. Every window must be one ingestion summed.
    pub fn new(usage: Option<&UsageSums>, windows: &[Window]) -> PolarsResult<Option<Minutes>> {
        let Some(usage) = usage else { return Ok(None) };
        let mut summed: Vec<(Window, DataFrame)> = Vec::new();
        for w in windows {
            if !summed.iter().any(|(s, _)| s == w) {
                summed.push((*w, usage.over(*w)?));
            }
        }
        Ok(Some(Minutes { windows: summed }))
    }

    /// `contact_id` and `minutes` over `window`, which must be one of the windows given to
    /// [`Minutes::new`]; contacts without usage in it have no row.
    pub fn over(&self, window: Window) -> LazyFrame {
        let (_, sums) = self
            .windows
            .iter()
            .find(|(w, _)| *w == window)
            .expect("minutes computed for every window a metric reads");
        sums.clone().lazy()
    }
}
