//! Deterministic ids: counters for interaction, toast and dialog ids, and a seeded
//! splitmix64 stream for case, bundle and call UUIDs. Two workspaces built with the same seed
//! and driven by the same calls produce the same ids.

/// Hands out every id the simulated workspace needs.
#[derive(Debug, Clone)]
pub(crate) struct IdGenerator {
    state: u64,
    next_interaction: u64,
    next_toast: u64,
    next_dialog: u64,
    next_record_handle: i64,
}

impl IdGenerator {
    /// A generator whose UUID stream is derived from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            state: seed,
            next_interaction: 1,
            // The official sample shows `wweCustomToast0` and `wweCustomDialog1`.
            next_toast: 0,
            next_dialog: 1,
            next_record_handle: 1,
        }
    }

    /// `"1"`, `"2"`, ...: Workspace ids are small session-local numbers.
    pub(crate) fn interaction(&mut self) -> String {
        let id = self.next_interaction;
        self.next_interaction += 1;
        id.to_string()
    }

    /// `wweCustomToast<n>`.
    pub(crate) fn toast(&mut self) -> String {
        let id = format!("wweCustomToast{}", self.next_toast);
        self.next_toast += 1;
        id
    }

    /// `wweCustomDialog<n>`.
    pub(crate) fn dialog(&mut self) -> String {
        let id = format!("wweCustomDialog{}", self.next_dialog);
        self.next_dialog += 1;
        id
    }

    /// Record handles of generated outbound records (`GSW_RECORD_HANDLE`).
    pub(crate) fn record_handle(&mut self) -> i64 {
        let handle = self.next_record_handle;
        self.next_record_handle += 1;
        handle
    }

    /// The next 64 pseudo-random bits (splitmix64).
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A lower-case 8-4-4-4-12 UUID-like id, as Workspace uses for case and bundle ids.
    pub(crate) fn uuid(&mut self) -> String {
        let hi = self.next_u64();
        let lo = self.next_u64();
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xFFFF,
            hi & 0xFFFF,
            lo >> 48,
            lo & 0xFFFF_FFFF_FFFF
        )
    }

    /// A 32-character upper-case call UUID in the TServer style (`4L6JGNEE9H7DT671...`).
    pub(crate) fn call_uuid(&mut self) -> String {
        const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHIJKLMNOPQRSTUV";
        let mut out = String::with_capacity(32);
        for _ in 0..2 {
            let mut bits = self.next_u64();
            for _ in 0..16 {
                out.push(char::from(ALPHABET[(bits & 31) as usize]));
                bits >>= 5;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_ids_and_uuids_have_the_documented_shape() {
        let mut a = IdGenerator::new(7);
        let mut b = IdGenerator::new(7);
        assert_eq!(a.uuid(), b.uuid());
        assert_eq!(a.call_uuid(), b.call_uuid());
        let uuid = a.uuid();
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(a.call_uuid().len(), 32);
        assert_ne!(IdGenerator::new(8).uuid(), IdGenerator::new(7).uuid());
        assert_eq!(a.interaction(), "1");
        assert_eq!(a.interaction(), "2");
        assert_eq!(a.toast(), "wweCustomToast0");
        assert_eq!(a.dialog(), "wweCustomDialog1");
    }
}
