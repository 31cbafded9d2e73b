//! Replica division: the Webster (Sainte-Laguë) method Karmada uses since v1.16, with its
//! UID-derived tie-break (KARMADA.md §2.7). Pure and deterministic.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One party of a division: a cluster and its votes (weight).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// Cluster name.
    pub name: String,
    /// Weight; a party with 0 votes keeps its initial seats and never gains.
    pub votes: u64,
    /// Seats held before the division starts.
    pub seats: u64,
}

/// How equal quotients are broken, from the template's UID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieBreak {
    /// Fewer seats first, then the smaller name (UID empty or its FNV-32a hash even).
    AscendingName,
    /// Fewer seats first, then the larger name (hash odd).
    DescendingName,
}

impl TieBreak {
    /// The tie-break Karmada derives from a resource UID.
    #[must_use]
    pub fn from_uid(uid: Option<&str>) -> Self {
        match uid.filter(|uid| !uid.is_empty()) {
            Some(uid) if fnv1a_32(uid.as_bytes()) % 2 == 1 => Self::DescendingName,
            _ => Self::AscendingName,
        }
    }
}

/// FNV-1a, 32 bit.
fn fnv1a_32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    })
}

/// Hands out `seats` one by one to the party with the highest `votes / (2·seats + 1)`.
/// Returns the parties sorted by name with their final seats. Zero total votes changes nothing.
#[must_use]
pub fn webster(seats: u64, mut parties: Vec<Party>, tie_break: TieBreak) -> Vec<Party> {
    parties.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = parties.iter().map(|party| party.name.as_str()).collect();
    let votes: Vec<u64> = parties.iter().map(|party| party.votes).collect();
    let initial: Vec<u64> = parties.iter().map(|party| party.seats).collect();
    let result = allocate(seats, &names, &votes, &initial, tie_break);
    for (party, seats) in parties.iter_mut().zip(result) {
        party.seats = seats;
    }
    parties
}

/// [`webster`] over parallel slices, without copying names: the final seats of each party, in
/// the order given. `O(seats · log parties)`.
#[must_use]
pub fn allocate(
    seats: u64,
    names: &[&str],
    votes: &[u64],
    initial: &[u64],
    tie_break: TieBreak,
) -> Vec<u64> {
    let mut result = initial.to_vec();
    if votes.iter().all(|votes| *votes == 0) {
        return result;
    }
    let mut heap: BinaryHeap<Entry<'_>> = (0..names.len())
        .filter(|index| votes[*index] > 0)
        .map(|index| Entry {
            index,
            name: names[index],
            votes: votes[index],
            seats: result[index],
            tie_break,
        })
        .collect();
    for _ in 0..seats {
        let Some(mut best) = heap.pop() else {
            break;
        };
        best.seats += 1;
        result[best.index] += 1;
        heap.push(best);
    }
    result
}

/// A party in the priority queue; the greatest entry gets the next seat.
struct Entry<'a> {
    index: usize,
    name: &'a str,
    votes: u64,
    seats: u64,
    tie_break: TieBreak,
}

impl Ord for Entry<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        // votes_a/(2·seats_a+1) against votes_b/(2·seats_b+1), exactly, by cross-multiplying;
        // then fewer seats first; then the name order the UID picks.
        let left = u128::from(self.votes) * u128::from(2 * other.seats + 1);
        let right = u128::from(other.votes) * u128::from(2 * self.seats + 1);
        left.cmp(&right)
            .then(other.seats.cmp(&self.seats))
            .then_with(|| match self.tie_break {
                TieBreak::AscendingName => other.name.cmp(self.name),
                TieBreak::DescendingName => self.name.cmp(other.name),
            })
    }
}

impl PartialOrd for Entry<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn divide(seats: u64, weights: &[(&str, u64)], uid: Option<&str>) -> Vec<(String, u64)> {
        let parties = weights
            .iter()
            .map(|(name, votes)| Party {
                name: (*name).to_owned(),
                votes: *votes,
                seats: 0,
            })
            .collect();
        webster(seats, parties, TieBreak::from_uid(uid))
            .into_iter()
            .map(|party| (party.name, party.seats))
            .collect()
    }

    fn seats(result: &[(String, u64)]) -> Vec<u64> {
        result.iter().map(|(_, seats)| *seats).collect()
    }

    // Worked examples of KARMADA.md §2.7.1, from upstream's assignment and division tests.
    #[test]
    fn static_weights_three_two_one() {
        let weights = [("a", 3), ("b", 2), ("c", 1)];
        assert_eq!(seats(&divide(12, &weights, None)), [6, 4, 2]);
        assert_eq!(seats(&divide(13, &weights, None)), [7, 4, 2]);
        assert_eq!(seats(&divide(14, &weights, None)), [7, 5, 2]);
    }

    #[test]
    fn static_weights_two_one_one_one() {
        let weights = [("a", 2), ("b", 1), ("c", 1), ("d", 1)];
        assert_eq!(seats(&divide(7, &weights, None)), [3, 2, 1, 1]);
        assert_eq!(seats(&divide(8, &weights, None)), [3, 2, 2, 1]);
        assert_eq!(seats(&divide(9, &weights, None)), [3, 2, 2, 2]);
    }

    #[test]
    fn equal_weights_give_the_extra_seat_to_the_first_name() {
        assert_eq!(seats(&divide(3, &[("a", 1), ("b", 1)], None)), [2, 1]);
    }

    #[test]
    fn small_clusters_are_favoured_slightly() {
        // 2 replicas at 2:1 go 1:1 (karmada#4220).
        assert_eq!(seats(&divide(2, &[("a", 2), ("b", 1)], None)), [1, 1]);
    }

    #[test]
    fn odd_uid_hash_breaks_ties_towards_the_larger_name() {
        let odd = (0..100)
            .map(|n| format!("uid-{n}"))
            .find(|uid| fnv1a_32(uid.as_bytes()) % 2 == 1)
            .unwrap();
        assert_eq!(seats(&divide(1, &[("a", 1), ("b", 1)], Some(&odd))), [0, 1]);
        assert_eq!(seats(&divide(1, &[("a", 1), ("b", 1)], None)), [1, 0]);
    }

    #[test]
    fn fnv_matches_reference_values() {
        assert_eq!(fnv1a_32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a_32(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a_32(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn zero_votes_change_nothing() {
        assert_eq!(seats(&divide(5, &[("a", 0), ("b", 0)], None)), [0, 0]);
    }

    proptest! {
        #[test]
        fn division_keeps_the_sum(seat_count in 0_u64..500, weights in proptest::collection::vec(1_u64..20, 1..8)) {
            let names: Vec<String> = (0..weights.len()).map(|index| format!("c{index}")).collect();
            let parties: Vec<(&str, u64)> = names.iter().map(String::as_str).zip(weights.iter().copied()).collect();
            let result = divide(seat_count, &parties, None);
            prop_assert_eq!(result.iter().map(|(_, seats)| seats).sum::<u64>(), seat_count);
        }

        #[test]
        fn division_is_house_monotone(seat_count in 0_u64..200, weights in proptest::collection::vec(1_u64..20, 1..8)) {
            // Adding a replica never takes one away from a cluster (karmada#6735).
            let names: Vec<String> = (0..weights.len()).map(|index| format!("c{index}")).collect();
            let parties: Vec<(&str, u64)> = names.iter().map(String::as_str).zip(weights.iter().copied()).collect();
            let before = divide(seat_count, &parties, None);
            let after = divide(seat_count + 1, &parties, None);
            for ((_, a), (_, b)) in before.iter().zip(&after) {
                prop_assert!(b >= a);
            }
        }
    }
}
