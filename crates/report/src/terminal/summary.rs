//! The top of the terminal report: target, technologies, grade and category bars.

use super::style::{clean, Painter, Tone};
use tollgate_core::score::CRITICAL_CAP;
use tollgate_core::{Category, Report, Severity};

const NAME_WIDTH: usize = 36;
const BAR_WIDTH: usize = 20;

/// Target URL and the technologies tollgate recognised.
pub(super) fn header(report: &Report, p: Painter) -> Vec<String> {
    let target = format!("tollgate · {}", clean(&report.target.url));
    let techs: Vec<String> = report
        .target
        .technologies
        .iter()
        .map(|t| match &t.version {
            Some(v) => format!("{} {}", clean(&t.name), clean(v)),
            None => clean(&t.name).into_owned(),
        })
        .collect();
    let detected = if techs.is_empty() {
        "none recognised".to_string()
    } else {
        techs.join(", ")
    };
    vec![
        p.paint(&target, Tone::Bold),
        format!("Detected: {detected}"),
    ]
}

/// "Grade D · 64/100", plus why when a critical finding held the score at the cap.
pub(super) fn grade(report: &Report, p: Painter) -> Vec<String> {
    let card = &report.score;
    let text = format!("Grade {} · {}/100", card.grade, card.score);
    let mut lines = vec![p.paint(&text, Tone::for_grade(card.grade))];
    let critical = report
        .findings
        .iter()
        .any(|f| f.severity == Severity::Critical);
    if critical && card.score == CRITICAL_CAP {
        lines.push(p.paint("A critical finding caps the grade at D.", Tone::Dim));
    }
    lines
}

/// One bar per category, in the canonical category order.
pub(super) fn categories(report: &Report, p: Painter) -> Vec<String> {
    let mut lines = vec![p.paint("Categories", Tone::Bold)];
    for category in Category::ALL {
        let (score, count) = category_numbers(report, category);
        lines.push(category_row(category, score, count, p));
    }
    lines
}

fn category_numbers(report: &Report, category: Category) -> (u8, usize) {
    match report
        .score
        .categories
        .iter()
        .find(|c| c.category == category)
    {
        Some(c) => (c.score, c.findings),
        None => {
            let count = report.findings.iter().filter(|f| f.category == category);
            (100, count.count())
        }
    }
}

fn category_row(category: Category, score: u8, count: usize, p: Painter) -> String {
    let name = format!("{:<NAME_WIDTH$}", category.name());
    let bar = p.paint(&bar(score), Tone::for_score(score));
    let noun = if count == 1 { "finding" } else { "findings" };
    let count = format!("{count} {noun}");
    let count = if count.starts_with("0 ") {
        p.paint(&count, Tone::Dim)
    } else {
        count
    };
    format!("  {name}  {bar} {score:>3}  {count}")
}

/// A fixed-width bar: filled cells in proportion to the score, rounded.
fn bar(score: u8) -> String {
    let filled = (usize::from(score.min(100)) * BAR_WIDTH + 50) / 100;
    format!("{}{}", "█".repeat(filled), "░".repeat(BAR_WIDTH - filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_is_fixed_width_and_proportional() {
        assert_eq!(bar(100), "█".repeat(BAR_WIDTH));
        assert_eq!(bar(0), "░".repeat(BAR_WIDTH));
        assert_eq!(bar(67).chars().filter(|c| *c == '█').count(), 13);
        assert_eq!(bar(67).chars().count(), BAR_WIDTH);
    }
}
