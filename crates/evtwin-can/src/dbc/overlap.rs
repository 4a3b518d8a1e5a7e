//! Overlapping signals that can be present together, found in near-linear
//! time: signals are grouped by their multiplexing chain (signals with the
//! same chain are interchangeable for exclusivity), and a chain is compared
//! only with the chains it can be present with: no chain (plain signals),
//! chains under the same top-level switch value, and chains under another
//! top-level switch. Each signal reports the first earlier signal it
//! overlaps, and at most [`MAX_PER_MESSAGE`] signals of a message are listed.

use std::collections::{BTreeMap, HashMap};

use super::check::Problem;
use super::model::{Message, MuxCondition};

/// At most this many overlapping signals are listed per message (then one
/// line counts the rest).
pub(crate) const MAX_PER_MESSAGE: usize = 1000;

/// At most this many other chains are compared with one signal where no
/// index applies (nested switches under one value, several top-level
/// switches, ranges as top-level conditions): the cap on work per signal.
const MAX_CHAINS_COMPARED: usize = 256;

/// Bits of a 64-byte payload.
const BITS: usize = 512;

/// A multiplexing chain: `(switch, ranges)` from the signal up to the top.
type Chain<'a> = Vec<&'a MuxCondition>;

struct Group {
    /// Members, by signal index (ascending).
    members: Vec<usize>,
    /// The first member covering each bit (`u32::MAX`: none); for large
    /// groups only.
    first_at: Option<Box<[u32; BITS]>>,
}

fn chain(m: &Message, i: usize) -> Chain<'_> {
    let mut conds = Vec::new();
    let mut k = i;
    while let Some(c) = m.signals.get(k).and_then(|s| s.mux.condition()) {
        if conds.len() > m.signals.len() {
            break; // a cycle (reported elsewhere)
        }
        conds.push(c);
        k = c.switch;
    }
    conds
}

/// Whether two chains can never hold together: some switch on both selects
/// them with disjoint values.
fn exclusive(a: &Chain<'_>, b: &Chain<'_>) -> bool {
    a.iter().any(|x| {
        b.iter().any(|y| {
            x.switch == y.switch
                && !x
                    .ranges
                    .iter()
                    .any(|&(lo, hi)| y.ranges.iter().any(|&(l2, h2)| lo <= h2 && l2 <= hi))
        })
    })
}

fn bit_list(set: &[u64; 8]) -> Vec<usize> {
    let mut out = Vec::new();
    for (w, &word) in set.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            out.push(w * 64 + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
    out
}

/// The value a condition selects, if it selects one.
fn single(c: &MuxCondition) -> Option<u64> {
    match c.ranges.as_slice() {
        [(lo, hi)] if lo == hi => Some(*lo),
        _ => None,
    }
}

/// The first member of `g` before `j` covering one of `bits`.
fn first_before(g: &Group, j: usize, bits: &[usize], sets: &[[u64; 8]]) -> Option<usize> {
    if let Some(first) = &g.first_at {
        return bits
            .iter()
            .map(|&b| first[b] as usize)
            .filter(|&i| i < j)
            .min();
    }
    g.members
        .iter()
        .copied()
        .take_while(|&i| i < j)
        .find(|&i| sets[i].iter().zip(&sets[j]).any(|(x, y)| x & y != 0))
}

/// A chain's conditions by value: the key signals are grouped by.
type ChainKey<'a> = Vec<(usize, &'a [(u64, u64)])>;

/// A message's signals grouped by chain, with the indexes that find the
/// groups a signal can be present with.
struct Overlaps<'a> {
    sets: Vec<[u64; 8]>,
    chains: Vec<Chain<'a>>,
    group_of: Vec<usize>,
    groups: Vec<Group>,
    /// Groups whose top condition selects one value, by (switch, value).
    by_value: HashMap<(usize, u64), Vec<usize>>,
    /// Groups whose top condition is a range, by switch.
    ranged: HashMap<usize, Vec<usize>>,
    /// Every non-plain group, by top switch (ordered: capped walks repeat).
    by_switch: BTreeMap<usize, Vec<usize>>,
    /// The group of plain signals.
    plain: Option<usize>,
    /// The first signal covering each bit.
    first_any: Box<[u32; BITS]>,
}

fn first_at(
    indices: impl DoubleEndedIterator<Item = usize>,
    sets: &[[u64; 8]],
) -> Box<[u32; BITS]> {
    let mut first = Box::new([u32::MAX; BITS]);
    for i in indices.rev() {
        for b in bit_list(&sets[i]) {
            first[b] = u32::try_from(i).unwrap_or(u32::MAX);
        }
    }
    first
}

impl<'a> Overlaps<'a> {
    fn new(m: &'a Message) -> Self {
        let n = m.signals.len();
        let sets: Vec<[u64; 8]> = m.signals.iter().map(|s| s.layout.bits()).collect();
        let chains: Vec<Chain<'a>> = (0..n).map(|i| chain(m, i)).collect();
        let mut ids: HashMap<ChainKey<'a>, usize> = HashMap::new();
        let mut group_of = Vec::with_capacity(n);
        let mut groups: Vec<Group> = Vec::new();
        for (i, c) in chains.iter().enumerate() {
            let key: ChainKey<'a> = c.iter().map(|x| (x.switch, x.ranges.as_slice())).collect();
            let next = groups.len();
            let g = *ids.entry(key).or_insert(next);
            if g == next {
                groups.push(Group {
                    members: Vec::new(),
                    first_at: None,
                });
            }
            groups[g].members.push(i);
            group_of.push(g);
        }
        for g in &mut groups {
            if g.members.len() > 8 {
                g.first_at = Some(first_at(g.members.iter().copied(), &sets));
            }
        }
        let mut ix = Self {
            first_any: first_at(0..n, &sets),
            sets,
            chains,
            group_of,
            groups,
            by_value: HashMap::new(),
            ranged: HashMap::new(),
            by_switch: BTreeMap::new(),
            plain: None,
        };
        for g in 0..ix.groups.len() {
            match ix.rep(g).last().copied() {
                None => ix.plain = Some(g),
                Some(top) => {
                    ix.by_switch.entry(top.switch).or_default().push(g);
                    match single(top) {
                        Some(v) => ix.by_value.entry((top.switch, v)).or_default().push(g),
                        None => ix.ranged.entry(top.switch).or_default().push(g),
                    }
                }
            }
        }
        ix
    }

    /// The chain of group `g`'s members.
    fn rep(&self, g: usize) -> &Chain<'a> {
        &self.chains[self.groups[g].members[0]]
    }

    /// The first signal before `j` that overlaps it and can be present with it.
    fn first_overlap(&self, j: usize) -> Option<usize> {
        let bits = bit_list(&self.sets[j]);
        let gj = self.group_of[j];
        let cj = &self.chains[j];
        let Some(top) = cj.last() else {
            // A plain signal can be present with every other.
            return bits
                .iter()
                .map(|&b| self.first_any[b] as usize)
                .filter(|&i| i < j)
                .min();
        };
        // Groups under the same value and those given by ranges, or (for a
        // range itself) every group under the switch; then other switches.
        let same_switch: [&[usize]; 2] = match single(top) {
            Some(v) => [
                slice(self.by_value.get(&(top.switch, v))),
                slice(self.ranged.get(&top.switch)),
            ],
            None => [slice(self.by_switch.get(&top.switch)), &[]],
        };
        let other_switches = self
            .by_switch
            .iter()
            .filter(|(s, _)| **s != top.switch)
            .flat_map(|(_, gs)| gs);
        let compared = same_switch
            .into_iter()
            .flatten()
            .chain(other_switches)
            .copied()
            .filter(|&g| g != gj)
            .take(MAX_CHAINS_COMPARED)
            .filter(|&g| Some(g) != self.plain && !exclusive(self.rep(g), cj));
        self.plain
            .into_iter()
            .chain([gj])
            .chain(compared)
            .filter_map(|g| first_before(&self.groups[g], j, &bits, &self.sets))
            .min()
    }
}

/// Appends a problem for each signal of `m` that overlaps an earlier one it
/// can be present with (at most [`MAX_PER_MESSAGE`], then a count).
pub(crate) fn overlaps(m: &Message, out: &mut Vec<Problem>) {
    let ix = Overlaps::new(m);
    let mut listed = 0;
    let mut more = 0;
    for j in 0..m.signals.len() {
        let Some(i) = ix.first_overlap(j) else {
            continue;
        };
        if listed == MAX_PER_MESSAGE {
            more += 1;
            continue;
        }
        listed += 1;
        let (a, b) = (&m.signals[i], &m.signals[j]);
        out.push(Problem::at(
            b.pos(),
            format!(
                "signal {}.{} overlaps {} (line {})",
                m.name, b.name, a.name, a.line
            ),
        ));
    }
    if more > 0 {
        let at = super::normalize::Pos {
            line: m.line,
            col: m.col,
        };
        out.push(Problem::at(
            at,
            format!(
                "message {}: {more} more signals overlap others (the first {MAX_PER_MESSAGE} are listed)",
                m.name
            ),
        ));
    }
}

/// A list or nothing.
fn slice(v: Option<&Vec<usize>>) -> &[usize] {
    v.map_or(&[], Vec::as_slice)
}
