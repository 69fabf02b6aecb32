//! Per-target schedules and the scheduler that queues their scans.
//!
//! A schedule is an interval (`{"every": "6h"}`, at least a minute) or a 5-field cron
//! expression in UTC (`{"cron": "0 3 * * *"}`). A target stores it as canonical text
//! (`every 6h`, `cron 0 3 * * *`) with `next_run_at`, the next slot. Every tick, each
//! server's scheduler queues a scan for every target whose slot has come and moves
//! `next_run_at` on with a conditional UPDATE on the old value (see
//! [`Store::queue_due`]): of several schedulers on one database exactly one wins a slot,
//! so a slot is never queued twice. A target whose previous scan is still queued or
//! running skips the slot instead of piling scans up. Missed slots (the server was
//! down) are not caught up: the next slot is counted from now.

use crate::jobs::Jobs;
use crate::store::{new_id, now_ms, DueOutcome, Store, StoreResult};
use croner::parser::{CronParser, Seconds, Year};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tollgate_scan::CancelToken;
use utoipa::ToSchema;

/// The shortest interval: a scan takes seconds to minutes, and the scheduler ticks
/// every 15 s by default.
pub const MIN_INTERVAL: Duration = Duration::from_secs(60);
/// The longest interval (a year and a day): longer ones are almost surely typos.
pub const MAX_INTERVAL: Duration = Duration::from_secs(366 * 24 * 3600);
/// Longest accepted schedule text.
const MAX_TEXT: usize = 200;

/// A schedule as the API takes and shows it: exactly one of the two fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    /// An interval such as `30m`, `6h` or `1day` (at least 1 minute); the first scan
    /// is one interval after the schedule is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
    /// A cron expression in UTC: minute hour day-of-month month day-of-week
    /// (`0 3 * * *` is 03:00 every day), or an alias such as `@daily`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
}

/// A parsed schedule.
#[derive(Debug, Clone)]
pub enum Schedule {
    Every(Duration),
    /// The parsed expression and its text with whitespace normalised.
    Cron(Box<croner::Cron>, String),
}

impl Schedule {
    /// Parses what a client sent; the error says what is wrong, for a 422.
    pub fn from_spec(spec: &ScheduleSpec) -> Result<Schedule, String> {
        match (&spec.every, &spec.cron) {
            (Some(every), None) => Schedule::every(every),
            (None, Some(cron)) => Schedule::cron(cron),
            _ => Err(
                "give exactly one of `every` (an interval such as \"6h\") or `cron` (such as \"0 3 * * *\")"
                    .into(),
            ),
        }
    }

    fn every(text: &str) -> Result<Schedule, String> {
        if text.len() > MAX_TEXT {
            return Err(format!("every: longer than {MAX_TEXT} characters"));
        }
        let d = humantime::parse_duration(text.trim()).map_err(|e| {
            format!("every: `{text}` is not an interval such as \"30m\" or \"6h\" ({e})")
        })?;
        if d < MIN_INTERVAL {
            return Err(format!(
                "every: `{text}` is shorter than the minimum of 1 minute"
            ));
        }
        if d > MAX_INTERVAL {
            return Err(format!("every: `{text}` is longer than 366 days"));
        }
        // Whole seconds: the canonical text then reads back as the same interval.
        Ok(Schedule::Every(Duration::from_secs(d.as_secs())))
    }

    fn cron(text: &str) -> Result<Schedule, String> {
        if text.len() > MAX_TEXT {
            return Err(format!("cron: longer than {MAX_TEXT} characters"));
        }
        let pattern = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let fields = pattern.split(' ').count();
        if !pattern.starts_with('@') && fields != 5 {
            return Err(format!(
                "cron: `{text}` has {fields} fields; give 5: minute hour day-of-month month day-of-week (UTC)"
            ));
        }
        let parsed = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(&pattern)
            .map_err(|e| format!("cron: `{text}` is not a cron expression ({e})"))?;
        let schedule = Schedule::Cron(Box::new(parsed), pattern);
        if schedule.next_after(now_ms()).is_none() {
            return Err(format!("cron: `{text}` never fires"));
        }
        Ok(schedule)
    }

    /// The stored form: `every 6h` or `cron 0 3 * * *`.
    pub fn canonical(&self) -> String {
        match self {
            Schedule::Every(d) => format!("every {}", humantime::format_duration(*d)),
            Schedule::Cron(_, pattern) => format!("cron {pattern}"),
        }
    }

    /// Reads the stored form back.
    pub fn parse_canonical(text: &str) -> Result<Schedule, String> {
        if let Some(every) = text.strip_prefix("every ") {
            Schedule::every(every)
        } else if let Some(cron) = text.strip_prefix("cron ") {
            Schedule::cron(cron)
        } else {
            Err(format!("`{text}` is not a stored schedule"))
        }
    }

    /// The API form.
    pub fn spec(&self) -> ScheduleSpec {
        match self {
            Schedule::Every(d) => ScheduleSpec {
                every: Some(humantime::format_duration(*d).to_string()),
                cron: None,
            },
            Schedule::Cron(_, pattern) => ScheduleSpec {
                every: None,
                cron: Some(pattern.clone()),
            },
        }
    }

    /// The first slot after `now` (Unix ms); `None` when there is none.
    pub fn next_after(&self, now: i64) -> Option<i64> {
        match self {
            Schedule::Every(d) => now.checked_add(i64::try_from(d.as_millis()).ok()?),
            Schedule::Cron(cron, _) => {
                let t = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now)?;
                let next = cron.find_next_occurrence(&t, false).ok()?;
                Some(next.timestamp_millis())
            }
        }
    }
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickSummary {
    /// Scans queued.
    pub queued: Vec<String>,
    /// Slots skipped because the target's previous scan is still queued or running.
    pub skipped: usize,
    /// Slots another scheduler took first.
    pub taken: usize,
}

/// Most due targets one tick handles (the rest are due on the next tick).
const BATCH: i64 = 100;

/// Queues a scan for every target whose slot has come and advances its slot.
pub async fn tick(store: &Store) -> StoreResult<TickSummary> {
    let now = now_ms();
    let mut summary = TickSummary::default();
    for due in store.due_targets(now, BATCH).await? {
        let next = match Schedule::parse_canonical(&due.schedule) {
            Ok(s) => s.next_after(now),
            Err(why) => {
                // Cannot happen for schedules the API stored; stop rather than loop.
                tracing::warn!(target = %due.id, %why, "a stored schedule does not parse; it is switched off");
                None
            }
        };
        match store
            .queue_due(&due.id, due.next_run_at, next, &new_id("scn"))
            .await?
        {
            DueOutcome::Queued(scan) => {
                tracing::info!(target = %due.id, %scan, "scheduled scan queued");
                summary.queued.push(scan);
            }
            DueOutcome::Skipped => {
                tracing::info!(target = %due.id, "scheduled slot skipped: the previous scan is still queued or running");
                summary.skipped += 1;
            }
            DueOutcome::Taken => summary.taken += 1,
        }
    }
    Ok(summary)
}

/// Starts the scheduler loop: a tick every `every` until `shutdown`.
pub fn spawn(
    store: Store,
    jobs: Arc<Jobs>,
    every: Duration,
    shutdown: CancelToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match tick(&store).await {
                Ok(summary) if !summary.queued.is_empty() => jobs.wake(),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the scheduler's tick failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = shutdown.cancelled() => return,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every(s: &str) -> ScheduleSpec {
        ScheduleSpec {
            every: Some(s.into()),
            cron: None,
        }
    }

    fn cron(s: &str) -> ScheduleSpec {
        ScheduleSpec {
            every: None,
            cron: Some(s.into()),
        }
    }

    #[test]
    fn intervals_are_canonical_and_at_least_a_minute() {
        let s = Schedule::from_spec(&every("90m")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.canonical(), "every 1h 30m");
        let back = Schedule::parse_canonical(&s.canonical()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.spec(), every("1h 30m"));
        assert_eq!(s.next_after(1_000), Some(1_000 + 90 * 60 * 1000));
        for bad in ["30s", "soon", "", "400days"] {
            assert!(Schedule::from_spec(&every(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn cron_expressions_have_five_fields_and_fire() {
        let s = Schedule::from_spec(&cron(" 0  3 * * * ")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.canonical(), "cron 0 3 * * *");
        // 2026-12-03T10:00:00Z → 2026-12-04T03:00:00Z.
        assert_eq!(s.next_after(1_796_292_000_000), Some(1_796_353_200_000));
        for bad in [
            "0 3 * *",
            "0 0 3 * * *",
            "61 * * * *",
            "0 0 31 2 *",
            "daily",
        ] {
            assert!(Schedule::from_spec(&cron(bad)).is_err(), "{bad}");
        }
        assert!(Schedule::from_spec(&ScheduleSpec::default()).is_err());
        assert!(Schedule::from_spec(&ScheduleSpec {
            every: Some("1h".into()),
            cron: Some("0 3 * * *".into())
        })
        .is_err());
    }
}
