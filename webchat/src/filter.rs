//! Transcript prefilters: regular expressions hiding matching `Message` texts.

use agentdesk_protocol::webchat::{PrefilterPattern, RejectionText};
use regex::{Regex, RegexBuilder};

/// The co-browse start token the widget always hides (`{start:123456789}`).
pub const COBROWSE_PREFILTER: &str = r"\{start:[0-9]{9}\}";

/// Compiled filters: the built-in co-browse filter plus custom ones.
#[derive(Debug, Clone)]
pub struct PrefilterSet {
    builtin: Option<Regex>,
    custom: Vec<(PrefilterPattern, Regex)>,
}

impl Default for PrefilterSet {
    fn default() -> Self {
        // A constant pattern, so `ok()` never drops it; the prefilter tests pin that.
        Self {
            builtin: Regex::new(COBROWSE_PREFILTER).ok(),
            custom: Vec::new(),
        }
    }
}

impl PrefilterSet {
    /// Compiles `pattern`, honouring the JavaScript flags `i`, `m`, `s` and ignoring `g`, `u`, `y`
    /// (they change iteration, not whether a text matches).
    pub fn compile(pattern: &PrefilterPattern) -> Result<Regex, RejectionText> {
        let mut builder = RegexBuilder::new(&pattern.source);
        for flag in pattern.flags.chars() {
            match flag {
                'i' => builder.case_insensitive(true),
                'm' => builder.multi_line(true),
                's' => builder.dot_matches_new_line(true),
                'g' | 'u' | 'y' | 'd' => &mut builder,
                _ => return Err(RejectionText::InvalidFilters),
            };
        }
        if pattern.source.is_empty() {
            return Err(RejectionText::InvalidFilters);
        }
        builder.build().map_err(|_| RejectionText::InvalidFilters)
    }

    /// Adds all of `patterns`, or none if any is invalid. Duplicates are kept once.
    pub fn add(&mut self, patterns: &[PrefilterPattern]) -> Result<(), RejectionText> {
        if patterns.is_empty() {
            return Err(RejectionText::InvalidFilters);
        }
        let compiled = patterns
            .iter()
            .map(|p| Self::compile(p).map(|regex| (p.clone(), regex)))
            .collect::<Result<Vec<_>, _>>()?;
        for (pattern, regex) in compiled {
            if !self.custom.iter().any(|(known, _)| *known == pattern) {
                self.custom.push((pattern, regex));
            }
        }
        Ok(())
    }

    /// The custom patterns, in the order they were added.
    pub fn patterns(&self) -> Vec<PrefilterPattern> {
        self.custom
            .iter()
            .map(|(pattern, _)| pattern.clone())
            .collect()
    }

    /// Whether `text` is hidden by any filter.
    pub fn matches(&self, text: &str) -> bool {
        self.builtin.as_ref().is_some_and(|b| b.is_match(text))
            || self.custom.iter().any(|(_, regex)| regex.is_match(text))
    }

    /// Drops the custom filters (a new session starts without them).
    pub fn clear(&mut self) {
        self.custom.clear();
    }
}
