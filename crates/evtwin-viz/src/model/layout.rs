//! Where each series group's box sits in the pack panel: groups are split into
//! modules as a pack is built (a divisor of the series count near 12 or 16
//! groups a module), modules laid out in a grid.

/// The panel's grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackLayout {
    /// Series groups.
    pub groups: usize,
    /// Groups in one module.
    pub per_module: usize,
    /// Modules.
    pub modules: usize,
    /// Boxes per row inside a module.
    pub module_cols: usize,
    /// Modules per row of the panel.
    pub panel_cols: usize,
}

impl PackLayout {
    /// The layout of `groups` series groups.
    #[must_use]
    pub fn new(groups: usize) -> Self {
        let groups = groups.max(1);
        let per_module = [16, 12, 14, 18, 10, 8, 20, 24, 6, 4]
            .into_iter()
            .find(|&m| groups.is_multiple_of(m) && groups / m >= 2)
            .unwrap_or(groups.min(16));
        let modules = groups.div_ceil(per_module);
        let module_cols = if per_module % 4 == 0 {
            4
        } else {
            per_module.min(6)
        };
        let panel_cols = match modules {
            0..=4 => modules.max(1),
            5..=9 => 3,
            10..=16 => 4,
            _ => 6,
        };
        Self {
            groups,
            per_module,
            modules,
            module_cols,
            panel_cols,
        }
    }

    /// Module and (row, column) inside it of group `g`.
    #[must_use]
    pub fn place(&self, g: usize) -> (usize, usize, usize) {
        let m = g / self.per_module;
        let k = g % self.per_module;
        (m, k / self.module_cols, k % self.module_cols)
    }

    /// Rows of boxes inside a module.
    #[must_use]
    pub fn module_rows(&self) -> usize {
        self.per_module.div_ceil(self.module_cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_packs_split_into_whole_modules() {
        let l = PackLayout::new(192);
        assert_eq!((l.per_module, l.modules), (16, 12));
        assert_eq!(l.place(0), (0, 0, 0));
        assert_eq!(l.place(17), (1, 0, 1));
        assert_eq!(l.place(191), (11, 3, 3));
        let l = PackLayout::new(96);
        assert_eq!((l.per_module, l.modules), (16, 6));
        let l = PackLayout::new(108);
        assert_eq!(l.per_module, 12);
        assert_eq!(l.modules * l.per_module, 108);
    }

    #[test]
    fn odd_counts_still_place_every_group() {
        let l = PackLayout::new(7);
        assert!(l.modules * l.per_module >= 7);
        let mut seen = std::collections::BTreeSet::new();
        for g in 0..7 {
            assert!(seen.insert(l.place(g)));
        }
    }
}
