//! The scorecard's bar chart: one bar per competency, its length the score out
//! of 5, laid out here so the template only draws.

use interview_core::interview::Evaluation;

/// The chart's width in SVG units; bars start after the labels.
pub(crate) const CHART_WIDTH: u32 = 560;
/// Where bars start.
pub(crate) const BAR_X: u32 = 200;
/// The longest bar (a 5).
const BAR_SPAN: u32 = CHART_WIDTH - BAR_X - 40;
/// One row's height.
const ROW: u32 = 36;

/// One competency's bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bar {
    pub(crate) competency: String,
    pub(crate) score: u8,
    /// The bar's length.
    pub(crate) width: u32,
    /// The row's top.
    pub(crate) y: u32,
    /// The label's baseline.
    pub(crate) text_y: u32,
    pub(crate) evidence: Vec<String>,
}

/// The bars of `evaluation`, in its order, and the chart's height.
pub(crate) fn bars(evaluation: &Evaluation) -> (Vec<Bar>, u32) {
    let bars: Vec<Bar> = evaluation
        .competencies
        .iter()
        .zip(0_u32..)
        .map(|(score, row)| {
            let value = score.score.get();
            Bar {
                competency: shorten(&score.competency, 28),
                score: value,
                width: BAR_SPAN * u32::from(value) / 5,
                y: row * ROW + 6,
                text_y: row * ROW + 24,
                evidence: score.evidence.clone(),
            }
        })
        .collect();
    let height = u32::try_from(bars.len()).unwrap_or(u32::MAX / ROW) * ROW + 8;
    (bars, height)
}

/// `text` cut to `max` characters with an ellipsis, for a label that must fit.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('\u{2026}');
    cut
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use interview_core::interview::{CompetencyScore, Recommendation, Score};

    use super::*;

    #[test]
    fn bars_are_proportional_to_the_score_and_stacked() {
        let score = |name: &str, value: u8| CompetencyScore {
            competency: name.into(),
            score: Score::try_from(value).unwrap(),
            evidence: vec!["I built it.".into()],
        };
        let evaluation = Evaluation {
            competencies: vec![
                score("Rust", 5),
                score("A very long competency name indeed, yes", 1),
            ],
            not_assessed: vec![],
            strengths: vec![],
            concerns: vec![],
            recommendation: Recommendation::Hire,
            summary: String::new(),
            review_flags: vec![],
            created_at: Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(),
        };
        let (bars, height) = bars(&evaluation);
        assert_eq!(bars[0].width, BAR_SPAN);
        assert_eq!(bars[1].width, BAR_SPAN / 5);
        assert!(bars[1].y > bars[0].y);
        assert!(height > bars[1].y);
        assert_eq!(bars[1].competency.chars().count(), 28);
        assert!(BAR_X + bars[0].width <= CHART_WIDTH);
    }
}
