//! Cell parameter tables in CSV, the form HPPC test data comes in.
//!
//! Header (case-insensitive, any column order, extra columns ignored):
//! `soc` (fraction 0…1) or `soc_pct`; `temp_c` (or `temperature`, `temperature_c`);
//! `ocv_v` (or `ocv`); `r0_ohm`, `r1_ohm`, `r2_ohm` (or `r0`, `r1`, `r2`);
//! `c1_f`, `c2_f` (or `c1`, `c2`); optionally `anode_ocp_v`, the anode's
//! open-circuit potential vs Li (three-electrode data), for the plating limit.
//! Without `r2_ohm` and `c2_f` the table is the one-RC (Thevenin) form.

use crate::cell::{CellRow, CellTable, CellTableError};
use crate::csv::{self, CsvError};

const COLUMNS: [(&str, &[&str]); 8] = [
    ("soc", &["soc", "soc_pct"]),
    ("temp_c", &["temp_c", "temperature", "temperature_c"]),
    ("ocv_v", &["ocv_v", "ocv"]),
    ("r0_ohm", &["r0_ohm", "r0"]),
    ("r1_ohm", &["r1_ohm", "r1"]),
    ("c1_f", &["c1_f", "c1"]),
    ("r2_ohm", &["r2_ohm", "r2"]),
    ("c2_f", &["c2_f", "c2"]),
];

impl CellTable {
    /// Parses and validates a table; errors point at the offending line and column.
    pub fn parse_csv(text: &str) -> Result<Self, CsvError> {
        let (head, rows) = csv::rows(text)?;
        let names = head.names();
        let find = |aliases: &[&str]| names.iter().position(|n| aliases.contains(&n.as_str()));
        // `None` for r2/c2 in a one-RC table (both absent).
        let mut index = [None; 8];
        for (k, (canonical, aliases)) in COLUMNS.iter().enumerate() {
            index[k] = find(aliases);
            if index[k].is_none() && k < 6 {
                let msg = format!(
                    "the header has no `{canonical}` column (expected soc,temp_c,ocv_v,r0_ohm,r1_ohm,c1_f and, for a second RC branch, r2_ohm,c2_f)"
                );
                return Err(head.error(0, msg));
            }
        }
        if index[6].is_some() != index[7].is_some() {
            let msg = "a second RC branch needs both `r2_ohm` and `c2_f` columns (neither: one RC branch)";
            return Err(head.error(0, msg));
        }
        let soc_scale = if index[0].is_some_and(|k| names[k] == "soc_pct") {
            0.01
        } else {
            1.0
        };
        let anode = names.iter().position(|n| n == "anode_ocp_v");
        let mut parsed = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut v = [0.0; 8];
            for (k, col) in index.iter().enumerate() {
                if let Some(col) = *col {
                    v[k] = row.number(col, COLUMNS[k].0)?;
                }
            }
            parsed.push(CellRow {
                soc: v[0] * soc_scale,
                temp_c: v[1],
                ocv_v: v[2],
                r0_ohm: v[3],
                r1_ohm: v[4],
                c1_f: v[5],
                r2_ohm: v[6],
                c2_f: v[7],
                anode_ocp_v: anode.map(|k| row.number(k, "anode_ocp_v")).transpose()?,
            });
        }
        Self::from_rows(&parsed).map_err(|e| match e {
            CellTableError::BadValue {
                row,
                column,
                value,
                why,
            } => {
                let k = COLUMNS.iter().position(|c| c.0 == column).unwrap_or(0);
                let col = index[k].unwrap_or(0);
                rows[row].error(col, format!("{column} = {value} ({why})"))
            }
            CellTableError::PartialAnode { row } => {
                rows[row].error(0, "no anode_ocp_v in this row")
            }
            CellTableError::PartialSecondBranch { row } => rows[row].error(
                index[6].unwrap_or(0),
                "r2 = c2 = 0 in some rows only: a table has one RC branch or two throughout",
            ),
            CellTableError::Duplicate { row, soc, temp_c } => {
                rows[row].error(0, format!("repeats SOC {soc} at {temp_c} °C"))
            }
            other => head.error(0, other.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_percent_soc_and_any_column_order() {
        let t = "# comment\nTemperature,SOC_pct,OCV,R0,R1,C1,R2,C2\n25,0,3.0,0.01,0.01,1000,0.01,1e5\n25,100,4.0,0.01,0.01,1000,0.01,1e5\n";
        let table = CellTable::parse_csv(t).unwrap();
        assert!((table.params(0.5, 25.0).ocv_v - 3.5).abs() < 1e-12);
    }

    #[test]
    fn reads_a_one_rc_table() {
        let t = "soc,temp_c,ocv_v,r0_ohm,r1_ohm,c1_f\n0,25,3.0,0.01,0.02,1500\n1,25,4.0,0.01,0.02,1500\n";
        let table = CellTable::parse_csv(t).unwrap();
        assert_eq!(table.rc_branches(), 1);
        let p = table.params(0.3, 25.0);
        assert_eq!(
            (p.r1_ohm, p.c1_f, p.r2_ohm, p.c2_f),
            (0.02, 1500.0, 0.0, 0.0)
        );
        let e = CellTable::parse_csv("soc,temp_c,ocv_v,r0_ohm,r1_ohm,c1_f,r2_ohm\n").unwrap_err();
        assert!(
            e.message.contains("both `r2_ohm` and `c2_f`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn errors_carry_line_and_column() {
        let head =
            "soc,temp_c,ocv_v,r0_ohm,r1_ohm,c1_f,r2_ohm,c2_f\n0,25,3,0.01,0.01,1000,0.01,1e5\n";
        let e =
            CellTable::parse_csv(&format!("{head}1,25,4,abc,0.01,1000,0.01,1e5\n")).unwrap_err();
        assert_eq!((e.line, e.column), (3, 8));
        assert_eq!(e.message, "r0_ohm `abc` is not a number");
        let e =
            CellTable::parse_csv(&format!("{head}1,25,4,-0.01,0.01,1000,0.01,1e5\n")).unwrap_err();
        assert_eq!((e.line, e.column), (3, 8));
        assert_eq!(e.message, "r0_ohm = -0.01 (must be positive)");
        let dup = "1,25,4,0.01,0.01,1000,0.01,1e5\n0,25,3,0.01,0.01,1000,0.01,1e5\n";
        let e = CellTable::parse_csv(&format!("{head}{dup}")).unwrap_err();
        assert_eq!((e.line, e.column), (4, 1));
        assert_eq!(e.message, "repeats SOC 0 at 25 °C");
        let e = CellTable::parse_csv("soc,ocv\n").unwrap_err();
        assert!(e.message.contains("no `temp_c` column"));
    }
}
